/**
 * The Kafka connector (first slice): streams declared `WITH (source = 'kafka', topic = …,
 * format = 'json')` are fed from their topics, and query outputs declared `WITH (sink =
 * 'kafka', topic = …)` are written to theirs. Broker addresses come from the engine's
 * configuration (`cepheus serve --kafka-brokers`), never from a script.
 *
 * Delivery: the offsets of a batch are committed only after every output the batch caused has
 * been acknowledged by the broker. State is not checkpointed yet, so a crash loses what lives
 * only in memory — partial matches, open windows, events waiting for the watermark — and the
 * outputs they would have caused; checkpoints to a changelog topic are the next slice. Each output carries a deterministic id in
 * its `cepheus-id` header — query, input topic, partition and offset, and its rank among that
 * message's outputs — so that consumers can drop the duplicates a restart may cause. A message
 * that is not JSON, or not a valid event, is rejected onto `_rejected` with its topic,
 * partition and offset in the reason, and consumption goes on.
 *
 * Each partition is an input of the engine's clock (LANGUAGE.md section 3): the watermark is
 * the least of the partitions' largest event times, and a partition silent for the idle timeout
 * stops holding it back, so catching up on one partition's backlog does not make another's
 * events late.
 *
 * With `key = 'col'` on a source stream, a message whose key is not its event's `col` is counted
 * and reported.
 *
 * Not yet: checkpoints of state, exactly-once, checking that `col` is what the queries
 * partition by, and pausing partitions under backpressure (a partition far ahead of the
 * others is buffered).
 */
import type { Engine } from '../index.js';
import type { InboundBatch, KafkaClient, KafkaConsumer, KafkaProducer, OutboundMessage } from '../io/kafka.js';

export interface KafkaConnectorOptions {
  /** The consumer group; default `cepheus`. */
  readonly groupId?: string;
  /**
   * Milliseconds of wall-clock time after which a partition that sent nothing stops holding
   * the watermark back (section 3's idle timeout). Default 5,000.
   */
  readonly idleTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

interface Binding {
  readonly stream: string;
  readonly topic: string;
  /** `key = 'col'`: the column the messages' key must hold (a source's). */
  readonly key?: string | undefined;
}

export class KafkaConnector {
  readonly #engine: Engine;
  readonly #consumer: KafkaConsumer | undefined;
  readonly #producer: KafkaProducer | undefined;
  readonly #pending = new Map<string, OutboundMessage[]>();
  readonly #unsubscribe: (() => void)[] = [];
  /** The input message whose processing is under way (outputs are attributed to it). */
  #current = 'none';
  #rank = 0;
  /** Per partition (an input of the engine's clock): when it last delivered a message. */
  readonly #lastSeen = new Map<string, number>();
  #held = new Set<string>();
  #idleTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #log: ((line: string) => void) | undefined;
  /** Messages consumed, outputs written. */
  consumed = 0;
  produced = 0;
  /** Messages whose key differed from their event's key column (`key = 'col'`). */
  keyMismatches = 0;

  private constructor(engine: Engine, consumer: KafkaConsumer | undefined, producer: KafkaProducer | undefined) {
    this.#engine = engine;
    this.#consumer = consumer;
    this.#producer = producer;
  }

  /** The sources and sinks the deployed scripts declare for Kafka. */
  static bindings(engine: Engine): { sources: Binding[]; sinks: Binding[] } {
    const sources: Binding[] = [];
    const sinks: Binding[] = [];
    for (const c of engine.connectorOptions()) {
      const topic = String(c.options['topic'] ?? c.stream);
      if (c.role === 'source' && c.options['source'] === 'kafka') {
        const format = c.options['format'] ?? 'json';
        if (format !== 'json') throw new Error(`stream '${c.stream}': format '${String(format)}' is not supported (json is)`);
        sources.push({ stream: c.stream, topic, key: c.options['key'] === undefined ? undefined : String(c.options['key']) });
      }
      if (c.role === 'sink' && c.options['sink'] === 'kafka') sinks.push({ stream: c.stream, topic });
    }
    return { sources, sinks };
  }

  /** Starts consuming the source topics and writing the sink topics of `engine`'s deployments. */
  static async start(engine: Engine, client: KafkaClient, options: KafkaConnectorOptions = {}): Promise<KafkaConnector> {
    const { sources, sinks } = KafkaConnector.bindings(engine);
    const producer = sinks.length > 0 ? await client.producer() : undefined;
    const consumer = sources.length > 0 ? await client.consumer(options.groupId ?? 'cepheus') : undefined;
    const connector = new KafkaConnector(engine, consumer, producer);
    connector.#log = options.log;
    for (const sink of sinks) {
      connector.#unsubscribe.push(
        engine.subscribe(sink.stream, (e) => {
          const list = connector.#pending.get(sink.topic) ?? [];
          list.push({ key: null, value: JSON.stringify(e.data), headers: { 'cepheus-id': `${sink.stream}/${connector.#current}/${connector.#rank++}`, 'cepheus-time': String(e.time) } });
          connector.#pending.set(sink.topic, list);
        }),
      );
    }
    if (consumer) {
      const byTopic = new Map<string, Binding[]>();
      for (const s of sources) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
      await consumer.run(
        [...byTopic.keys()],
        (batch) => connector.#onBatch(batch, byTopic),
        (assignment) => connector.#assigned(assignment),
      );
      const idleMs = options.idleTimeoutMs ?? 5_000;
      connector.#idleTimer = setInterval(() => connector.#markIdle(idleMs), Math.max(10, Math.min(1000, idleMs / 2)));
      connector.#idleTimer.unref();
      options.log?.(`kafka: consuming ${[...byTopic.keys()].join(', ')}; producing ${sinks.map((s) => s.topic).join(', ') || 'nothing'}`);
    }
    return connector;
  }

  /**
   * Keyed state lives per partition, so the message key must be the key the queries group by:
   * a message whose key differs from its `key` column is counted and reported (the first, then
   * every 1,000th), and processed all the same.
   */
  #checkKey(source: Binding, key: string | null, event: unknown, origin: string): void {
    // An unkeyed message claims nothing about its partition.
    if (key === null || event === null || typeof event !== 'object' || Array.isArray(event)) return;
    const value = (event as Record<string, unknown>)[source.key!];
    const expected = value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
    if (expected === key) return;
    if (this.keyMismatches++ % 1000 === 0) {
      this.#log?.(`kafka: ${origin}: message key ${JSON.stringify(key)} is not its '${source.key}' (${JSON.stringify(expected)}): partitions must be keyed by the PARTITION BY / GROUP BY key (${this.keyMismatches} so far)`);
    }
  }

  /** The partitions this process holds now: each is an input of the clock until revoked. */
  #assigned(assignment: readonly { readonly topic: string; readonly partitions: readonly number[] }[]): void {
    const now = new Set(assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)));
    for (const input of this.#held) {
      if (now.has(input)) continue;
      this.#engine.removeInput(input);
      this.#lastSeen.delete(input);
    }
    for (const input of now) {
      if (this.#held.has(input)) continue;
      this.#engine.addInput(input);
      // Silent from now on, it goes idle after the timeout like any other.
      this.#lastSeen.set(input, Date.now());
    }
    this.#held = now;
  }

  /** Partitions silent for `idleMs` stop holding the watermark back (until they send again). */
  #markIdle(idleMs: number): void {
    const now = Date.now();
    for (const [input, seen] of this.#lastSeen) {
      if (now - seen < idleMs) continue;
      this.#lastSeen.delete(input);
      this.#engine.inputIdle(input);
    }
    // Outputs that the watermark's move released are written out now.
    this.flush().catch((e: unknown) => this.#log?.(`kafka: writing outputs failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  async #onBatch(batch: InboundBatch, byTopic: ReadonlyMap<string, readonly Binding[]>): Promise<void> {
    const sources = byTopic.get(batch.topic) ?? [];
    // Each partition is an input of the engine's clock (LANGUAGE.md section 3).
    const input = `${batch.topic}/${batch.partition}`;
    this.#lastSeen.set(input, Date.now());
    for (const m of batch.messages) {
      this.#current = `${m.topic}/${m.partition}/${m.offset}`;
      this.#rank = 0;
      const origin = `topic ${m.topic}, partition ${m.partition}, offset ${m.offset}`;
      let event: unknown;
      try {
        event = m.value === null ? null : JSON.parse(m.value);
      } catch {
        // Not JSON: pushed as the text it is, so that the engine rejects it with the reason.
        event = m.value;
      }
      for (const source of sources) {
        if (source.key !== undefined) this.#checkKey(source, m.key, event, origin);
        this.#engine.push(source.stream, event, origin, input);
      }
      this.consumed++;
    }
    await this.flush();
    const last = batch.messages.at(-1);
    // The commit need not be waited for: the outputs are acknowledged already, and a commit
    // that fails only means more replay after a restart.
    if (last && this.#consumer) {
      this.#consumer
        .commit(batch.topic, batch.partition, (BigInt(last.offset) + 1n).toString())
        .catch((e: unknown) => this.#log?.(`kafka: commit failed: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  /** Writes the outputs produced so far and waits for the broker's acknowledgement. */
  flush(): Promise<void> {
    // One flush at a time, in order: a topic's outputs keep their order.
    this.#flushing = this.#flushing.then(() => this.#send());
    return this.#flushing;
  }

  async #send(): Promise<void> {
    if (!this.#producer) return;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [topic, messages] of pending) {
      await this.#producer.send(topic, messages);
      this.produced += messages.length;
    }
  }

  async stop(): Promise<void> {
    if (this.#idleTimer) clearInterval(this.#idleTimer);
    await this.#consumer?.disconnect();
    await this.flush();
    for (const u of this.#unsubscribe) u();
    await this.#producer?.disconnect();
  }
}
