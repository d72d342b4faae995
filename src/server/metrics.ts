/**
 * `GET /metrics`: Prometheus text from a registry of the server's own (prom-client), never the
 * library's global one, so that two servers in one process do not mix. Engine counters are read
 * at scrape time; what only the server sees (events published per stream, latency from a
 * publish to each output it caused, drops, connected clients) is counted as it happens.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../index.js';

export class ServerMetrics {
  readonly #registry = new Registry();
  readonly #engine: Engine;
  readonly #eventsIn: Counter<'stream'>;
  readonly #latency: Histogram<'query'>;
  readonly #dropped: Counter<'policy'>;
  readonly #rateLimited: Counter;
  /** Subscriptions to each query's output, for the latency histogram. */
  readonly #tracked = new Map<string, () => void>();
  /** When the publish being processed started (`performance.now()`, ms), or NaN outside a publish. */
  #publishStart = NaN;
  /** The events-in counter's child of each stream: labels hashed once, not per publish. */
  readonly #eventsInOf = new Map<string, { inc(n: number): void }>();
  droppedMessages = 0;

  constructor(engine: Engine, clients: () => number) {
    this.#engine = engine;
    const registers = [this.#registry];
    const stats = () => engine.stats();
    this.#eventsIn = new Counter({ name: 'cepheus_events_in_total', help: 'Events published to a stream over WebSocket', labelNames: ['stream'], registers });
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
    this.#latency = new Histogram({
      name: 'cepheus_query_latency_seconds',
      help: 'From a publish reaching the server to each output event it caused, per query',
      labelNames: ['query'],
      buckets: [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.05],
      registers,
    });
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
        this.#latency.remove({ query: name });
      }
    }
    for (const name of names) {
      if (this.#tracked.has(name)) continue;
      // The labelled child once: observing through it skips hashing the labels per event.
      const histogram = this.#latency.labels({ query: name });
      this.#tracked.set(
        name,
        this.#engine.subscribe(name, () => {
          if (!Number.isNaN(this.#publishStart)) histogram.observe((performance.now() - this.#publishStart) / 1e3);
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
    let counter = this.#eventsInOf.get(label);
    if (counter === undefined) this.#eventsInOf.set(label, (counter = this.#eventsIn.labels({ stream: label })));
    counter.inc(count);
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
