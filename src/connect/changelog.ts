/**
 * The Kafka connector's changelog (docs/connectors.md, "Checkpoints, recovery and delivery"): a
 * compacted topic of checkpoints (changelog-records.ts), read from its start and kept up with, so
 * that the latest checkpoint of a partition is at hand when a task is made for it.
 */
import type { KafkaClient, KafkaConsumer, KafkaProducer } from '../io/kafka.js';
import { changelogRecord, chunkKey, type Chunk, type Manifest } from './changelog-records.js';
import type { Task } from './kafka-task.js';

/** The changelog as this process reads it: the latest checkpoint per partition, and its chunks. */
export class Changelog {
  readonly topic: string;
  readonly #client: KafkaClient;
  readonly #log: ((line: string) => void) | undefined;
  /** The latest checkpoint of each partition, as read from the changelog. */
  readonly #checkpoints = new Map<string, Manifest>();
  readonly #chunks = new Map<string, Chunk>();
  #reader: KafkaConsumer | undefined;
  #readerGroup = '';
  /** The tokens of this process's barrier records the changelog reader has read (see readUpToNow). */
  readonly #barriers = new Set<string>();
  readonly #barrierKey = `barrier/${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

  constructor(client: KafkaClient, topic: string, log: ((line: string) => void) | undefined) {
    this.#client = client;
    this.topic = topic;
    this.#log = log;
  }

  /** Reads the changelog from its beginning, and keeps reading it: the latest checkpoint per partition. */
  async read(groupId: string): Promise<void> {
    this.#readerGroup = `${groupId}-changelog-reader-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    const reader = await this.#client.consumer(this.#readerGroup);
    this.#reader = reader;
    await reader.run([this.topic], {
      onBatch: async (batch) => {
        for (const m of batch.messages) {
          if (m.key === null) continue;
          if (m.key.startsWith('barrier/')) {
            if (m.key === this.#barrierKey && m.value !== null) this.#barriers.add(m.value);
            continue;
          }
          if (m.bytes === null) {
            this.#checkpoints.delete(m.key);
            this.#chunks.delete(m.key);
            continue;
          }
          let record: Manifest | Chunk | undefined;
          try {
            record = changelogRecord(m.bytes);
          } catch {
            record = undefined;
          }
          if (record === undefined) this.#log?.(`kafka: ${this.topic} offset ${m.offset}: not a checkpoint, ignored`);
          else if ('v' in record) this.#checkpoints.set(m.key, record);
          else this.#chunks.set(m.key, record);
        }
      },
    });
  }

  /**
   * Waits until the changelog reader has read every checkpoint committed so far: a barrier
   * record is written (with `task`'s transactional producer, after it has fenced the partition's
   * previous owner, so that owner's last transaction is committed or aborted by then; without
   * one, with `producer`) and read back. A read_committed reader gets to it only once every
   * transaction before it is settled.
   */
  async readUpToNow(task: Task, producer: () => KafkaProducer | Promise<KafkaProducer>): Promise<void> {
    const token = `${task.partition}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const barrier = [{ key: this.#barrierKey, value: token }];
    if (task.producer) {
      const t = await task.producer.transaction();
      try {
        await t.send(this.topic, barrier);
        await t.commit();
      } catch (e) {
        await t.abort().catch(() => undefined);
        throw e;
      }
    } else await (await producer()).send(this.topic, barrier);
    const until = Date.now() + 60_000;
    while (!this.#barriers.delete(token)) {
      if (Date.now() > until) throw new Error(`the changelog ${this.topic} could not be read to its end in 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The keys of the chunks in the changelog of the partition under `key`. */
  chunkKeys(key: string): string[] {
    return [...this.#chunks.keys()].filter((k) => k.startsWith(`${key}#`));
  }

  /** The last checkpoint of the partition under `key`, if any, and the snapshot it holds. */
  checkpoint(key: string): { manifest: Manifest; state: Uint8Array } | undefined {
    const manifest = this.#checkpoints.get(key);
    if (!manifest) return undefined;
    const parts: Chunk['data'][] = [];
    for (let i = 0; i < (manifest.chunks ?? 0); i++) {
      const chunk = this.#chunks.get(manifest.v === 2 ? chunkKey(key, manifest.id, i) : `${key}#${i}`);
      if (!chunk || chunk.id !== manifest.id || typeof chunk.data !== (manifest.v === 2 ? 'object' : 'string')) throw new Error(`checkpoint ${manifest.id} of ${key}: chunk ${i} is missing`);
      parts.push(chunk.data);
    }
    const state =
      manifest.v === 2 ? (manifest.chunks === 0 ? (manifest.inline ?? new Uint8Array()) : Buffer.concat(parts as Uint8Array[])) : Buffer.from(manifest.state ?? (parts as string[]).join(''), 'base64');
    return { manifest, state };
  }

  /** Stops reading the changelog. */
  async stop(): Promise<void> {
    await this.#reader?.disconnect();
    await this.#client.deleteGroups([this.#readerGroup]).catch(() => undefined);
  }
}
