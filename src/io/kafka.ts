/**
 * Kafka behind an interface of the project's own (the only file that knows kafkajs): what the
 * engine needs of a Kafka client — subscribe, batches with their partitions and offsets,
 * pause and resume per partition, commit, produce — so that another client can replace
 * kafkajs without touching the engine or the connector.
 */
// First: they replace kafkajs's filter of aborted transactions, its record encoder and its record
// decoder before kafkajs loads.
import './kafkajs-read-committed.js';
import './kafkajs-record-encoder.js';
import './kafkajs-record-decoder.js';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** A message as kafkajs takes it: bytes as a Buffer (kafkajs writes anything else as its String()). */
function toKafkajs(m: OutboundMessage): kafkajs.Message {
  const value = m.value === null || typeof m.value === 'string' || Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
  return { key: m.key, value, ...(m.headers ? { headers: { ...m.headers } } : {}) };
}

/** A fetched message; its value is decoded as text only when asked for. */
class KafkajsMessage implements InboundMessage {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly keyBytes: Buffer | null,
    readonly bytes: Buffer | null,
  ) {}

  get key(): string | null {
    return this.keyBytes === null ? null : this.keyBytes.toString();
  }

  get value(): string | null {
    return this.bytes === null ? null : this.bytes.toString();
  }

  toString(): string {
    return `topic ${this.topic}, partition ${this.partition}, offset ${this.offset}`;
  }
}

export interface KafkaSettings {
  /** `host:port` of one or more brokers. */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** TLS: true, or Node's TLS options (ca, cert, key, rejectUnauthorized). */
  readonly ssl?: boolean | Readonly<Record<string, unknown>>;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /**
   * Milliseconds without a heartbeat after which the group gives a member's partitions to the
   * others (a process that died). Default 10,000; brokers accept 6,000 at least by default.
   */
  readonly sessionTimeoutMs?: number;
}

export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as decimal strings. */
  readonly offset: string;
  /** The key and the value as UTF-8 text (decoded when read). */
  readonly key: string | null;
  readonly value: string | null;
  /** The value as it is, bytes (checkpoints are binary). */
  readonly bytes: Uint8Array | null;
  /** Where it is: `topic t, partition p, offset o` (for rejections; made only when asked for). */
  toString(): string;
}

export interface InboundBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly InboundMessage[];
  /** The partition's end when the batch was fetched: the offset its next message will have. */
  readonly highWatermark: string;
}

export interface ConsumerHandlers {
  readonly onBatch: (batch: InboundBatch) => Promise<void>;
  /** The partitions this member holds after each (re)join of the group. */
  readonly onAssigned?: (assignment: readonly { readonly topic: string; readonly partitions: readonly number[] }[]) => void;
  /** A rebalance begins: the partitions held may soon be another member's. */
  readonly onRebalancing?: () => void;
}

export interface KafkaConsumer {
  /** Runs until disconnected, handing over each batch; offsets are committed only by `commit`. */
  run(topics: readonly string[], handlers: ConsumerHandlers): Promise<void>;
  /** Commits `offset` as the next one to read of the partition. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  pause(topic: string, partitions: readonly number[]): void;
  resume(topic: string, partitions: readonly number[]): void;
  /** Reads the partition from `offset` on (the batch under way, if any, is still handed over). */
  seek(topic: string, partition: number, offset: string): void;
  disconnect(): Promise<void>;
}

export interface OutboundMessage {
  readonly key: string | null;
  /** null: a tombstone (deletes the key in a compacted topic). */
  readonly value: string | Uint8Array | null;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface KafkaProducer {
  /** Resolves once the broker has acknowledged every message (acks from all in-sync replicas). */
  send(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** One Kafka transaction: its messages and consumed offsets are committed together, or none. */
export interface KafkaTransaction {
  send(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
  /** Commits, with the transaction, `offset` as the next one the group reads of each partition. */
  sendOffsets(groupId: string, offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: string }[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A transactional producer. Its id fences an older producer of the same id (a process that was
 * thought dead): that one's transactions can no longer commit.
 */
export interface KafkaTransactionalProducer {
  transaction(): Promise<KafkaTransaction>;
  disconnect(): Promise<void>;
}

export interface KafkaClient {
  /**
   * A consumer in `groupId`, reading new groups' partitions from the beginning. It reads only
   * committed transactions' messages.
   */
  consumer(groupId: string): Promise<KafkaConsumer>;
  producer(): Promise<KafkaProducer>;
  transactionalProducer(transactionalId: string): Promise<KafkaTransactionalProducer>;
  /**
   * Creates topics that do not exist yet (the broker may also create them on first use);
   * `config` as Kafka's topic configs (`cleanup.policy`: `compact`).
   */
  createTopics(topics: readonly { readonly topic: string; readonly partitions: number; readonly config?: Readonly<Record<string, string>> }[]): Promise<void>;
  /** Per partition of `topic`, the offset its next message will have (its end). */
  endOffsets(topic: string): Promise<Map<number, string>>;
  /** Per partition of `topic`, the offset of its first message still kept (its start). */
  startOffsets(topic: string): Promise<Map<number, string>>;
  /** Per partition of `topic`, the offset `groupId` has committed (partitions without one are absent). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, string>>;
  /** Forgets consumer groups (a reader's own, when it is done). */
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

/**
 * Retries what the broker refuses while the previous transaction of the producer is still being
 * completed (CONCURRENT_TRANSACTIONS, which kafkajs does not retry when adding partitions).
 */
async function whileConcurrent<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      const error = e as { type?: string; originalError?: { type?: string }; message?: string };
      const concurrent = error.type === 'CONCURRENT_TRANSACTIONS' || error.originalError?.type === 'CONCURRENT_TRANSACTIONS' || /concurrent operation on the same transaction/.test(String(error.message));
      if (!concurrent || attempt >= 100) throw e;
      await new Promise((r) => setTimeout(r, 10 + attempt * 5));
    }
  }
}

/** The kafkajs implementation. */
export function kafkajsClient(settings: KafkaSettings): KafkaClient {
  const kafka = new Kafka({
    brokers: [...settings.brokers],
    clientId: settings.clientId ?? 'cepheus',
    logLevel: logLevel.ERROR,
    ...(settings.ssl !== undefined ? { ssl: settings.ssl as kafkajs.KafkaConfig['ssl'] } : {}),
    ...(settings.sasl ? { sasl: { ...settings.sasl } as kafkajs.SASLOptions } : {}),
  });
  return {
    async consumer(groupId) {
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: true, sessionTimeout: settings.sessionTimeoutMs ?? 10_000, heartbeatInterval: Math.max(500, Math.floor((settings.sessionTimeoutMs ?? 10_000) / 5)) });
      await consumer.connect();
      return {
        async run(topics, { onBatch, onAssigned, onRebalancing }) {
          if (onRebalancing) consumer.on(consumer.events.REBALANCING, () => onRebalancing());
          if (onAssigned) {
            consumer.on(consumer.events.GROUP_JOIN, (e) => {
              const assignment = e.payload.memberAssignment as Record<string, number[]>;
              onAssigned(Object.entries(assignment).map(([topic, partitions]) => ({ topic, partitions })));
            });
          }
          for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            // Batches of different partitions overlap their waits on the broker; JavaScript
            // runs one at a time between those waits, so the engine sees whole batches.
            partitionsConsumedConcurrently: 4,
            eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
              const messages = batch.messages.map((m) => new KafkajsMessage(batch.topic, batch.partition, m.offset, m.key, m.value));
              await onBatch({ topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark });
              const last = messages.at(-1);
              if (last) resolveOffset(last.offset);
              await heartbeat();
            },
          });
        },
        commit: (topic, partition, offset) => consumer.commitOffsets([{ topic, partition, offset }]),
        seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
        pause: (topic, partitions) => consumer.pause([{ topic, partitions: [...partitions] }]),
        resume: (topic, partitions) => consumer.resume([{ topic, partitions: [...partitions] }]),
        disconnect: () => consumer.disconnect(),
      };
    },
    async producer() {
      const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      return {
        async send(topic, messages) {
          if (messages.length === 0) return;
          await producer.send({ topic, acks: -1, messages: messages.map(toKafkajs) });
        },
        disconnect: () => producer.disconnect(),
      };
    },
    async transactionalProducer(transactionalId) {
      // A transaction left open by a process that died is aborted by the broker after 15 s (if no
      // new owner of its id has fenced it before): until then it holds back read_committed readers.
      const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, transactionTimeout: 15_000 });
      await producer.connect();
      return {
        async transaction() {
          const t = await producer.transaction();
          return {
            async send(topic, messages) {
              if (messages.length === 0) return;
              await whileConcurrent(() => t.send({ topic, acks: -1, messages: messages.map(toKafkajs) }));
            },
            sendOffsets: (groupId, offsets) =>
              whileConcurrent(() =>
                t.sendOffsets({ consumerGroupId: groupId, topics: [...new Set(offsets.map((o) => o.topic))].map((topic) => ({ topic, partitions: offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, offset: o.offset })) })) }),
              ),
            commit: () => t.commit(),
            abort: () => t.abort(),
          };
        },
        disconnect: () => producer.disconnect(),
      };
    },
    async createTopics(topics) {
      await withAdmin(async (admin) => {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t.topic));
        if (missing.length === 0) return;
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, ...(t.config ? { configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })) } : {}) })),
        });
      });
    },
    endOffsets: (topic) => withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]))),
    startOffsets: (topic) => withAdmin(async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.low]))),
    committedOffsets: (groupId, topic) =>
      withAdmin(async (admin) => {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map((entry?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, p.offset]));
      }),
    deleteGroups: (groupIds) => withAdmin(async (admin) => void (await admin.deleteGroups([...groupIds]))),
  };

  async function withAdmin<T>(work: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }
}

