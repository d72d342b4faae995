/**
 * The Kafka connector (first slice): streams declared `WITH (source = 'kafka', topic = …,
 * format = 'json')` are fed from their topics, and query outputs declared `WITH (sink =
 * 'kafka', topic = …)` are written to theirs. Broker addresses come from the engine's
 * configuration (`cepheus serve --kafka-brokers`), never from a script.
 *
 * Delivery is at-least-once: the offsets of a batch are committed only after every output the
 * batch caused has been acknowledged by the broker. Each output carries a deterministic id in
 * its `cepheus-id` header — query, input topic, partition and offset, and its rank among that
 * message's outputs — so that consumers can drop the duplicates a restart may cause. A message
 * that is not JSON, or not a valid event, is rejected onto `_rejected` with its topic,
 * partition and offset in the reason, and consumption goes on.
 *
 * Not yet: per-partition watermarks (every partition feeds the engine's one clock, so a backlog
 * on one partition can make another's events late), checkpoints of state, exactly-once, the
 * check of message keys against PARTITION BY, and pausing partitions under backpressure.
 */
import type { Engine } from '../index.js';
import type { InboundBatch, KafkaClient, KafkaConsumer, KafkaProducer, OutboundMessage } from '../io/kafka.js';

export interface KafkaConnectorOptions {
  /** The consumer group; default `cepheus`. */
  readonly groupId?: string;
  readonly log?: (line: string) => void;
}

interface Binding {
  readonly stream: string;
  readonly topic: string;
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
  /** Messages consumed, outputs written. */
  consumed = 0;
  produced = 0;

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
        sources.push({ stream: c.stream, topic });
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
      const byTopic = new Map<string, string[]>();
      for (const s of sources) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s.stream]);
      await consumer.run([...byTopic.keys()], (batch) => connector.#onBatch(batch, byTopic));
      options.log?.(`kafka: consuming ${[...byTopic.keys()].join(', ')}; producing ${sinks.map((s) => s.topic).join(', ') || 'nothing'}`);
    }
    return connector;
  }

  async #onBatch(batch: InboundBatch, byTopic: ReadonlyMap<string, readonly string[]>): Promise<void> {
    const streams = byTopic.get(batch.topic) ?? [];
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
      for (const stream of streams) this.#engine.push(stream, event, origin);
      this.consumed++;
    }
    await this.flush();
    const last = batch.messages.at(-1);
    if (last && this.#consumer) await this.#consumer.commit(batch.topic, batch.partition, (BigInt(last.offset) + 1n).toString());
  }

  /** Writes the outputs produced so far and waits for the broker's acknowledgement. */
  async flush(): Promise<void> {
    if (!this.#producer) return;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [topic, messages] of pending) {
      await this.#producer.send(topic, messages);
      this.produced += messages.length;
    }
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    await this.flush();
    for (const u of this.#unsubscribe) u();
    await this.#producer?.disconnect();
  }
}
