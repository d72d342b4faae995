/**
 * `GET /metrics`: Prometheus text from a registry of the server's own (prom-client), never the
 * library's global one, so that two servers in one process do not mix. Engine counters are read
 * at scrape time; what only the server sees (events published per stream, latency from a
 * publish to each output it caused, drops, connected clients) is counted as it happens.
 *
 * What is counted per event (events in, the latency of each output) is counted in plain
 * numbers here and handed to prom-client at each scrape: prom-client checks and hashes the
 * labels of every `inc` and `observe`, a labelled child's too, which at 10,000 events/s is work
 * and garbage on the path of every event.
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';
import type { Engine } from '../index.js';

/** The latency histogram's upper bounds, seconds. */
const LATENCY_BUCKETS = [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05];

/** A value of a metric as prom-client's registry writes it: `metricName{labels} value`. */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** One query's latencies: counts per bucket (not cumulative; the last is past every bound), sum, count. */
interface LatencySeries {
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram with one label, `query`, observed without allocating: a metric of the
 * registry's own form (`get()` returns the values prom-client's Histogram would), written to
 * `/metrics` exactly as prom-client writes its own histograms.
 */
export class LatencyHistogram {
  readonly name = 'cepheus_query_latency_seconds';
  readonly help = 'From a publish reaching the server to each output event it caused, per query';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, LatencySeries>();

  /** The series of a query, kept until `remove`. */
  series(query: string): LatencySeries {
    let s = this.#series.get(query);
    if (s === undefined) this.#series.set(query, (s = { counts: new Float64Array(LATENCY_BUCKETS.length + 1), sum: 0, count: 0 }));
    return s;
  }

  static observe(s: LatencySeries, seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  remove(query: string): void {
    this.#series.delete(query);
  }

  reset(): void {
    this.#series.clear();
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [query, s] of this.#series) {
      // Labels in prom-client's order (le, then query). A query deployed and not yet matched has
      // its series at zero, as Prometheus advises for known label values.
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ metricName: bucket, labels: { le: LATENCY_BUCKETS[i]!, query }, value: cumulative });
      }
      values.push({ metricName: bucket, labels: { le: '+Inf', query }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: { query }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { query }, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class ServerMetrics {
  readonly #registry = new Registry();
  readonly #engine: Engine;
  /** Events published per stream (`cepheus_events_in_total`, handed to prom-client at each scrape). */
  readonly #eventsIn = new Map<string, number>();
  readonly #latency = new LatencyHistogram();
  readonly #dropped: Counter<'policy'>;
  readonly #rateLimited: Counter;
  /** Subscriptions to each query's output, for the latency histogram. */
  readonly #tracked = new Map<string, () => void>();
  /** When the publish being processed started (`performance.now()`, ms), or NaN outside a publish. */
  #publishStart = NaN;
  droppedMessages = 0;

  constructor(engine: Engine, clients: () => number) {
    this.#engine = engine;
    const registers = [this.#registry];
    const stats = () => engine.stats();
    const eventsIn = this.#eventsIn;
    new Counter({
      name: 'cepheus_events_in_total',
      help: 'Events published to a stream over WebSocket',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const [stream, n] of eventsIn) this.inc({ stream }, n);
      },
    });
    // The engine's counts are read at each scrape: `_total` ones are counters (set by reset and
    // inc, as Prometheus wants counters typed), the rest gauges.
    new Counter({
      name: 'cepheus_events_out_total',
      help: 'Output events of each query (its output stream)',
      labelNames: ['stream'],
      registers,
      collect() {
        this.reset();
        for (const q of engine.queries()) this.inc({ stream: q.name }, q.outputs);
      },
    });
    new Counter({
      name: 'cepheus_matches_total',
      help: 'Matches of each pattern query',
      labelNames: ['query'],
      registers,
      collect() {
        this.reset();
        for (const q of engine.queries()) if (q.kind === 'pattern') this.inc({ query: q.name }, q.outputs);
      },
    });
    const engineGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const engineCounter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    engineCounter('cepheus_engine_events_in_total', 'Events pushed into the engine, accepted or not', () => stats().eventsIn);
    engineCounter('cepheus_rejected_total', 'Rejected events (invalid or late)', () => stats().rejected);
    engineCounter('cepheus_late_total', 'Late events', () => stats().late);
    engineGauge('cepheus_runs_alive', 'Partial matches alive', () => stats().runsAlive);
    engineCounter('cepheus_runs_dropped_total', 'Runs, groups, window and join events dropped by caps', () => stats().runsDropped);
    engineCounter('cepheus_memory_drops_total', 'Of those, state refused because the heap was past the engine memory budget (maxHeapBytes)', () => stats().memoryDrops);
    engineGauge('cepheus_memory_full', '1 while the heap is past the engine memory budget and no new state is kept', () => (stats().memoryFull ? 1 : 0));
    engineCounter('cepheus_faults_total', 'Run-time faults in expressions', () => stats().faults);
    engineGauge('cepheus_watermark_ms', 'The event-time watermark (epoch ms)', () => {
      const w = stats().watermark;
      return Number.isFinite(w) ? w : 0;
    });
    engineGauge('cepheus_clients_connected', 'WebSocket clients connected', clients);
    // A metric of the registry's form, not a prom-client class (see LatencyHistogram).
    this.#registry.registerMetric(this.#latency as unknown as Metric);
    this.#dropped = new Counter({ name: 'cepheus_dropped_messages_total', help: 'Messages not delivered to slow subscribers', labelNames: ['policy'], registers });
    this.#rateLimited = new Counter({ name: 'cepheus_rate_limited_events_total', help: 'Published events refused by the rate limit', registers });
    this.trackQueries();
  }

  get contentType(): string {
    return this.#registry.contentType;
  }

  text(): Promise<string> {
    return this.#registry.metrics();
  }

  /** Follows the outputs of the queries deployed now (call after each deploy). */
  trackQueries(): void {
    const names = new Set(this.#engine.queries().map((q) => q.name));
    for (const [name, stop] of this.#tracked) {
      if (!names.has(name)) {
        stop();
        this.#tracked.delete(name);
        // Its latency series go too (`/metrics` would keep every query ever deployed).
        this.#latency.remove(name);
      }
    }
    for (const name of names) {
      if (this.#tracked.has(name)) continue;
      const series = this.#latency.series(name);
      this.#tracked.set(
        name,
        this.#engine.subscribe(name, () => {
          if (!Number.isNaN(this.#publishStart)) LatencyHistogram.observe(series, (performance.now() - this.#publishStart) / 1e3);
        }),
      );
    }
  }

  /**
   * A publish of `count` events to `stream` starts: counted, and the outputs it causes until
   * `published()` are timed from now.
   */
  publishing(stream: string, count: number): void {
    // A label per stream that exists: names a client makes up would grow the metrics for ever.
    const label = this.#engine.hasStream(stream) ? stream : '(unknown)';
    this.#eventsIn.set(label, (this.#eventsIn.get(label) ?? 0) + count);
    this.#publishStart = performance.now();
  }

  /** The publish begun by `publishing` is over. */
  published(): void {
    this.#publishStart = NaN;
  }

  dropped(policy: 'drop' | 'close', n: number): void {
    this.droppedMessages += n;
    this.#dropped.inc({ policy }, n);
  }

  rateLimited(n: number): void {
    this.#rateLimited.inc(n);
  }
}
