/**
 * The Kafka connector: streams declared `WITH (source = 'kafka', topic = …, format = 'json')` are
 * fed from their topics, and query outputs declared `WITH (sink = 'kafka', topic = …)` are
 * written to theirs. Broker addresses come from the engine's configuration (`cepheus serve
 * --kafka-brokers`), never from a script. Processes started with one group id share the topics'
 * partitions (docs/connectors.md).
 *
 * **A task per partition.** Partition p of every source topic goes to a task: a replica of the
 * engine (`Engine.replica`) that holds the state of the keys in that partition, and nothing
 * else, so that the state can be checkpointed and moved on its own when the group rebalances.
 * Outputs of the tasks are relayed to the engine the connector was started with (its
 * subscribers — the server's clients — see them).
 *
 * **Event time.** Each partition is an input of every task's clock (LANGUAGE.md section 3): after
 * each batch, the other tasks learn how far its partition has come. The watermark is the least,
 * over the partitions not idle, of their largest event times; a partition silent for the idle
 * timeout stops holding it back. So catching up on one partition's backlog does not make
 * another's events late, and a quiet partition's windows still close.
 *
 * **Checkpoints and delivery.** Every `checkpointIntervalMs` a task's state (engine snapshot)
 * is written, with the offsets it reflects, to a compacted changelog topic (one record per
 * partition), after every output the state has caused has been acknowledged; then the offsets
 * are committed. A process given a partition restores its last checkpoint before reading on
 * from the offsets it reflects. So a crash loses nothing; outputs after the last checkpoint may
 * be written again (at-least-once), with the same `cepheus-id` header — query, source
 * partition, event time and rank among that query's outputs at that time — for consumers to
 * drop. With `exactlyOnce`, a task's outputs, its checkpoint and its offsets go in one Kafka
 * transaction (its producer's transactional id is the group's and the partition's, which fences
 * a process thought dead): read_committed consumers see each output once.
 *
 * **Bad messages** (not JSON, not a valid event) are rejected onto `_rejected` with their topic,
 * partition and offset, and consumption goes on. With `key = 'col'` on a source stream, a
 * message whose key is not its event's `col` is counted and reported: keyed state lives per
 * partition, so the topic must be keyed by what the queries partition and group by.
 *
 * **Backpressure.** A partition whose task holds more than `maxWaiting` events waiting for the
 * watermark (it is far ahead of another) is paused until they are down to half.
 */
import type { Engine, OutputEvent } from '../index.js';
import type { InboundBatch, InboundMessage, KafkaClient, KafkaConsumer, KafkaProducer, OutboundMessage } from '../io/kafka.js';
import { Changelog } from './changelog.js';
import { bySize, checkpointRecords } from './changelog-records.js';
import { BACKLOG_SPACING, Task } from './kafka-task.js';

export interface KafkaConnectorOptions {
  /** The consumer group; default `cepheus`. */
  readonly groupId?: string;
  /**
   * Milliseconds of wall-clock time after which a partition that sent nothing stops holding
   * the watermark back (section 3's idle timeout). Default 5,000.
   */
  readonly idleTimeoutMs?: number;
  /** How often a partition's state is checkpointed and its offsets committed. Default 1,000 ms; 100 with `exactlyOnce`. */
  readonly checkpointIntervalMs?: number;
  /** Outputs, checkpoints and offsets in Kafka transactions. Default false (at-least-once). */
  readonly exactlyOnce?: boolean;
  /** The compacted topic of checkpoints; default `cepheus-GROUP-changelog`. */
  readonly changelogTopic?: string;
  /** Events a partition's task may hold waiting for the watermark before the partition is paused. Default 100,000. */
  readonly maxWaiting?: number;
  readonly log?: (line: string) => void;
}

interface Binding {
  readonly stream: string;
  readonly topic: string;
  /** `key = 'col'`: the column the messages' key must hold (a source's). */
  readonly key?: string | undefined;
}

const DEBUG = process.env['CEPHEUS_KAFKA_DEBUG'] === '1';

/**
 * How long a partition whose producer was fenced waits for the group before this process takes
 * it back (see #revive): longer than a heartbeat (3 s), so that a process that really lost the
 * partition hears of the rebalance first.
 */
const FENCED_RECLAIM_MS = 5000;

/** Whether a Kafka error says another producer with the same transactional id has taken over. */
function isFenced(error: unknown): boolean {
  for (let e = error as { type?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED' || /fenced|producer epoch/i.test(String(e.message))) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

export class KafkaConnector {
  readonly #engine: Engine;
  readonly #client: KafkaClient;
  readonly #consumer: KafkaConsumer | undefined;
  readonly #producer: KafkaProducer | undefined;
  readonly #groupId: string;
  readonly #exactlyOnce: boolean;
  readonly #interval: number;
  readonly #changelog: Changelog;
  readonly #maxWaiting: number;
  readonly #sources: readonly Binding[];
  /** The topics of the sources, each once. */
  readonly #sourceTopics: readonly string[];
  readonly #sinks: ReadonlyMap<string, string>;
  readonly #tasks = new Map<number, Task>();
  /** Per partition input (`topic/p`): messages known to be in the partition and not yet read. */
  readonly #lag = new Map<string, bigint>();
  /** Per partition input (`topic/p`): when it last delivered a message. */
  readonly #lastSeen = new Map<string, number>();
  #held = new Set<string>();
  /** Partitions set aside (their producer fenced, their task unable to start): paused until the next assignment. */
  readonly #setAsidePartitions = new Set<number>();
  /** Per partition set aside when fenced (or when it could not start again), when it is to be taken back (see #reclaim). */
  readonly #reclaims = new Map<number, NodeJS.Timeout>();
  #timer: NodeJS.Timeout | undefined;
  #log: ((line: string) => void) | undefined;
  #stopping = false;
  /** Messages consumed, outputs written, checkpoints written, checkpoints restored. */
  consumed = 0;
  produced = 0;
  checkpoints = 0;
  restored = 0;
  /** Events rejected by the partitions' engines (late ones included). */
  rejected = 0;
  /** Messages whose key differed from their event's key column (`key = 'col'`). */
  keyMismatches = 0;

  private constructor(engine: Engine, client: KafkaClient, consumer: KafkaConsumer | undefined, producer: KafkaProducer | undefined, options: KafkaConnectorOptions, bindings: { sources: Binding[]; sinks: Binding[] }) {
    this.#engine = engine;
    this.#client = client;
    this.#consumer = consumer;
    this.#producer = producer;
    this.#groupId = options.groupId ?? 'cepheus';
    this.#exactlyOnce = options.exactlyOnce ?? false;
    this.#interval = options.checkpointIntervalMs ?? (this.#exactlyOnce ? 100 : 1000);
    this.#changelog = new Changelog(client, options.changelogTopic ?? `cepheus-${this.#groupId}-changelog`, options.log);
    this.#maxWaiting = options.maxWaiting ?? 100_000;
    this.#sources = bindings.sources;
    this.#sourceTopics = [...new Set(this.#sources.map((s) => s.topic))];
    this.#sinks = new Map(bindings.sinks.map((s) => [s.stream, s.topic]));
    this.#log = options.log;
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

  /**
   * What a process in a consumer group gets wrong when a query's state is not keyed by its
   * topic's message key: each process holds some partitions, so state keyed otherwise (or not
   * at all) sees only part of the events it should. Said once at start.
   */
  static keyWarnings(engine: Engine, sources: readonly Binding[]): string[] {
    const warnings: string[] = [];
    for (const source of sources) {
      for (const q of engine.queries()) {
        const keys = q.keys?.[source.stream];
        if (keys === undefined) continue;
        const by = q.kind === 'pattern' ? 'PARTITION BY' : 'GROUP BY';
        if (source.key === undefined) {
          warnings.push(`'${q.name}' keeps state by ${keys.length > 0 ? `${by} ${keys.join(', ')}` : 'no key'} over '${source.stream}', whose WITH has no key = '...': the engine cannot check that topic ${source.topic} is keyed by it`);
        } else if (!keys.includes(source.key)) {
          warnings.push(`'${q.name}' keeps state ${keys.length > 0 ? `by ${by} ${keys.join(', ')}` : 'for all events together'}, but topic ${source.topic} is keyed by '${source.key}': state lives per partition, so each process sees only part of what it should (key the topic by ${keys.length > 0 ? keys.join(', ') : 'a single value'})`);
        }
      }
    }
    return warnings;
  }

  /**
   * Starts consuming the source topics and writing the sink topics of `engine`'s deployments.
   * Each partition is processed by a replica of `engine`; their outputs are relayed to it.
   */
  static async start(engine: Engine, client: KafkaClient, options: KafkaConnectorOptions = {}): Promise<KafkaConnector> {
    const bindings = KafkaConnector.bindings(engine);
    const exactlyOnce = options.exactlyOnce ?? false;
    const producer = bindings.sinks.length > 0 && !exactlyOnce ? await client.producer() : undefined;
    const consumer = bindings.sources.length > 0 ? await client.consumer(options.groupId ?? 'cepheus') : undefined;
    for (const warning of KafkaConnector.keyWarnings(engine, bindings.sources)) options.log?.(`kafka: ${warning}`);
    const connector = new KafkaConnector(engine, client, consumer, producer, options, bindings);
    if (consumer) await connector.#run(consumer, options.idleTimeoutMs ?? 5_000);
    return connector;
  }

  async #run(consumer: KafkaConsumer, idleMs: number): Promise<void> {
    // The changelog: one compacted partition of checkpoints, read from its start, then kept up with.
    await this.#client.createTopics([{ topic: this.#changelog.topic, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    await this.#changelog.read(this.#groupId);
    const byTopic = new Map<string, Binding[]>();
    for (const s of this.#sources) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
    await consumer.run([...byTopic.keys()], {
      onBatch: (batch) => this.#onBatch(batch, byTopic),
      onAssigned: (assignment) => this.#assigned(assignment),
      onRebalancing: () => {
        this.#rebalancing = true;
        this.#checkpointAll('a rebalance');
      },
    });
    this.#timer = setInterval(() => this.#tick(idleMs), Math.max(10, Math.min(250, idleMs / 2, this.#interval / 2)));
    this.#timer.unref();
    this.#log?.(`kafka: consuming ${[...byTopic.keys()].join(', ')} in group ${this.#groupId}${this.#exactlyOnce ? ' (exactly once)' : ''}; producing ${[...new Set(this.#sinks.values())].join(', ') || 'nothing'}; checkpoints to ${this.#changelog.topic}`);
  }

  // ------------------------------------------------------------------------------ changelog

  /** How much of the task's partitions is left to read, from their ends now (so that none goes idle before it is read). */
  async #measureLag(task: Task): Promise<void> {
    for (const topic of this.#sourceTopics) {
      const end = (await this.#client.endOffsets(topic)).get(task.partition);
      if (end === undefined) continue;
      const from = task.next.get(topic) ?? (await this.#client.committedOffsets(this.#groupId, topic)).get(task.partition) ?? '0';
      const next = BigInt(from);
      this.#lag.set(`${topic}/${task.partition}`, BigInt(end) > next ? BigInt(end) - next : 0n);
    }
  }

  #taskKey(partition: number): string {
    return `${[...this.#sourceTopics].sort().join('+')}/${partition}`;
  }

  /**
   * Makes a task without a checkpoint expect its partition's first messages still kept: batches
   * fetched before (the consumer's position was past them) are then a gap, and the task seeks
   * back instead of taking them as the start.
   */
  async #fromStart(task: Task): Promise<void> {
    for (const topic of this.#sourceTopics) {
      const start = (await this.#client.startOffsets(topic)).get(task.partition) ?? '0';
      task.next.set(topic, start);
      this.#consumer?.seek(topic, task.partition, start);
    }
  }

  /** The state a new task starts from: the partition's last checkpoint, if any. */
  async #restore(task: Task): Promise<void> {
    await this.#changelog.readUpToNow(task, () => this.#producer ?? this.#checkpointProducer());
    const key = this.#taskKey(task.partition);
    // The partition's chunks in the changelog (its last checkpoint's, and any an owner that died
    // between a checkpoint's chunks and its manifest left) are deleted after its next checkpoint.
    for (const k of this.#changelog.chunkKeys(key)) task.oldChunks.add(k);
    const checkpoint = this.#changelog.checkpoint(key);
    if (!checkpoint) return;
    const { manifest, state } = checkpoint;
    task.engine.restore(state);
    for (const [topic, offset] of Object.entries(manifest.offsets)) task.next.set(topic, offset);
    for (const [query, time, n] of manifest.ranks) task.ranks.set(query, { time, n });
    // The restored clock knows the partitions its last owner held: it follows this process's.
    for (const input of task.engine.inputs()) if (!this.#held.has(input)) task.engine.removeInput(input);
    this.#mirrorInputs(task);
    for (const [topic, offset] of task.next) this.#consumer?.seek(topic, task.partition, offset);
    this.restored++;
    this.#log?.(`kafka: ${key} restored from checkpoint ${manifest.id} (next offsets ${JSON.stringify(manifest.offsets)})`);
  }

  // ---------------------------------------------------------------------------------- tasks

  /**
   * `replay`: the task is made again in a process that has read the partition already (its
   * state was dropped). Until it has restored, its batches wait; then they are read from its
   * checkpoint on, or, without one, from the partition's start.
   */
  #newTask(partition: number, replay = false): Task {
    const task = new Task(partition, this.#engine.replica());
    this.#mirrorInputs(task);
    const relay = (e: OutputEvent): void => this.#engine.relay(e);
    for (const stream of task.engine.outputStreams()) {
      const topic = this.#sinks.get(stream);
      task.engine.subscribe(stream, (e) => {
        relay(e);
        if (topic !== undefined) task.pending.push({ topic, message: { key: null, value: JSON.stringify(e.data), headers: { 'cepheus-id': this.#outputId(task, e), 'cepheus-time': String(e.time) } } });
        task.dirty = true;
      });
    }
    task.engine.subscribe('_rejected', (e) => {
      // The first few rejections are told, then one in a thousand (all are on _rejected).
      if (this.rejected++ < 5 || this.rejected % 1000 === 0) this.#log?.(`kafka: rejected (${this.rejected} so far): ${String(e.data['reason'])}`);
      relay(e);
    });
    this.#tasks.set(partition, task);
    task.ready = (async () => {
      if (this.#exactlyOnce) task.producer = await this.#client.transactionalProducer(`${this.#groupId}-${this.#taskKey(partition)}`);
      await this.#restore(task);
      if (replay && task.next.size === 0) await this.#fromStart(task);
      await this.#measureLag(task);
      task.restoring = false;
      // Its partitions' idle timeout runs from now: until now they could not be read.
      for (const topic of this.#sourceTopics) if (this.#lastSeen.has(`${topic}/${partition}`)) this.#lastSeen.set(`${topic}/${partition}`, Date.now());
    })();
    // A task that cannot start (its checkpoint unreadable, the broker gone) does not stop the
    // others: its partition waits, paused and out of the clocks, for the group's next assignment.
    task.ready = task.ready.catch((e: unknown) => {
      // A task made again in place (no rebalance will come) tries again later.
      this.#log?.(`kafka: partition ${partition} could not start: ${e instanceof Error ? e.message : String(e)}; it is not read until ${replay ? 'it is tried again or ' : ''}the next rebalance`);
      this.#setAside(task);
      if (replay) this.#reclaimLater(partition);
      for (const topic of this.#sourceTopics) {
        const input = `${topic}/${partition}`;
        this.#lastSeen.delete(input);
        for (const t of this.#tasks.values()) t.engine.removeInput(input);
      }
    });
    return task;
  }

  /**
   * Makes the task's clock know every partition this process holds, as the other tasks do: the
   * ones gone idle (no longer timed in #lastSeen) are idle here too, and a restored clock's
   * idle ones stay idle until they send.
   */
  #mirrorInputs(task: Task): void {
    const known = new Set(task.engine.inputs());
    for (const input of this.#held) {
      if (!known.has(input)) task.engine.addInput(input);
      if (!this.#lastSeen.has(input)) task.engine.inputIdle(input);
    }
  }

  /** A deterministic id: query, source partition, event time and rank among the query's outputs at that time. */
  #outputId(task: Task, e: OutputEvent): string {
    let rank = task.ranks.get(e.stream);
    if (!rank) task.ranks.set(e.stream, (rank = { time: e.time, n: 0 }));
    if (rank.time !== e.time) {
      rank.time = e.time;
      rank.n = 0;
    }
    return `${e.stream}/${this.#taskKey(task.partition)}/${e.time}/${rank.n++}`;
  }

  /** The partitions this process holds now: a task each; each partition is an input of every task's clock. */
  #assigned(assignment: readonly { readonly topic: string; readonly partitions: readonly number[] }[]): void {
    const now = new Set(assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)));
    const partitions = new Set(assignment.flatMap((a) => a.partitions));
    for (const [p, task] of this.#tasks) {
      if (partitions.has(p)) continue;
      this.#tasks.delete(p);
      this.#close(task);
    }
    for (const input of this.#held) {
      if (now.has(input)) continue;
      for (const task of this.#tasks.values()) task.engine.removeInput(input);
      this.#lastSeen.delete(input);
      this.#lag.delete(input);
    }
    // Every partition held is active again (one idle before the rebalance may be fed now):
    // silent from now on, it goes idle after the timeout like any other.
    for (const input of now) {
      for (const task of this.#tasks.values()) task.engine.addInput(input);
      this.#lastSeen.set(input, Date.now());
    }
    this.#held = now;
    this.#rebalancing = false;
    // The idle timeout of every partition starts again: none was read during the rebalance.
    for (const input of this.#lastSeen.keys()) this.#lastSeen.set(input, Date.now());
    for (const p of this.#setAsidePartitions) for (const topic of this.#sourceTopics) this.#consumer?.resume(topic, [p]);
    this.#setAsidePartitions.clear();
    // The group has spoken: a partition set aside is made again below if it is still here.
    for (const timer of this.#reclaims.values()) clearTimeout(timer);
    this.#reclaims.clear();
    for (const p of partitions) if (!this.#tasks.has(p)) this.#newTask(p);
    this.#log?.(`kafka: holding partitions ${[...partitions].sort((a, b) => a - b).join(', ') || 'none'}`);
  }

  /** A task whose partition went to another process: its unsaved work is dropped (the new owner replays it). */
  #close(task: Task): void {
    task.closed = true;
    const transaction = task.transaction;
    task.transaction = undefined;
    task.chain = task.chain
      .then(async () => {
        await transaction?.abort();
        await task.producer?.disconnect();
      })
      .catch(() => undefined);
  }

  // ------------------------------------------------------------------------------ consuming

  async #onBatch(batch: InboundBatch, byTopic: ReadonlyMap<string, readonly Binding[]>): Promise<void> {
    // A batch fetched before the partition was given to another process is not ours to process.
    const task = this.#tasks.get(batch.partition);
    if (!task) return;
    await task.ready;
    if (task.closed || task.restoring || this.#stopping) return;
    const sources = byTopic.get(batch.topic) ?? [];
    const input = `${batch.topic}/${batch.partition}`;
    this.#lastSeen.set(input, Date.now());
    const expected = task.next.get(batch.topic);
    let first = 0;
    if (expected !== undefined) {
      const want = BigInt(expected);
      // Messages the state already reflects (read again after a seek) are skipped.
      while (first < batch.messages.length && BigInt(batch.messages[first]!.offset) < want) first++;
      if (first < batch.messages.length && BigInt(batch.messages[first]!.offset) > want) {
        // A gap: the consumer started past the checkpoint. Read from where the state stops.
        this.#consumer?.seek(batch.topic, batch.partition, expected);
        return;
      }
    }
    for (let i = first; i < batch.messages.length; i++) {
      const m = batch.messages[i]!;
      let event: unknown;
      try {
        event = m.value === null ? null : JSON.parse(m.value);
      } catch {
        // Not JSON: pushed as the text it is, so that the engine rejects it with the reason.
        event = m.value;
      }
      for (const source of sources) {
        if (source.key !== undefined) this.#checkKey(source, m.key, event, m);
        task.engine.push(source.stream, event, m, input);
      }
      this.consumed++;
    }
    const last = batch.messages.at(-1);
    if (last === undefined || first === batch.messages.length) return;
    task.next.set(batch.topic, (BigInt(last.offset) + 1n).toString());
    const end = BigInt(batch.highWatermark);
    this.#lag.set(input, end > BigInt(last.offset) + 1n ? end - BigInt(last.offset) - 1n : 0n);
    task.dirty = true;
    // The other tasks learn how far this partition has come.
    const reached = task.engine.inputTime(input);
    if (reached !== undefined) for (const other of this.#tasks.values()) if (other !== task) other.engine.advanceInput(input, reached);
    this.#backpressure();
    // A failure to write restarts the task from its checkpoint (#revive); consumption goes on.
    await this.#flushAll().catch(() => undefined);
  }

  /**
   * Keyed state lives per partition, so the message key must be the key the queries group by:
   * a message whose key differs from its `key` column is counted and reported (the first, then
   * every 1,000th), and processed all the same.
   */
  #checkKey(source: Binding, key: string | null, event: unknown, origin: InboundMessage): void {
    // An unkeyed message claims nothing about its partition.
    if (key === null || event === null || typeof event !== 'object' || Array.isArray(event)) return;
    const value = (event as Record<string, unknown>)[source.key!];
    const expected = value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
    if (expected === key) return;
    if (this.keyMismatches++ % 1000 === 0) {
      this.#log?.(`kafka: ${origin}: message key ${JSON.stringify(key)} is not its '${source.key}' (${JSON.stringify(expected)}): partitions must be keyed by the PARTITION BY / GROUP BY key (${this.keyMismatches} so far)`);
    }
  }

  /** Pauses a partition whose task holds too many events waiting for the watermark; resumes it at half. */
  #backpressure(): void {
    if (!this.#consumer) return;
    for (const task of this.#tasks.values()) {
      const waiting = task.engine.waiting();
      for (const topic of this.#sourceTopics) {
        if (waiting > this.#maxWaiting && !task.paused.has(topic)) {
          task.paused.add(topic);
          this.#consumer.pause(topic, [task.partition]);
          this.#log?.(`kafka: ${topic}/${task.partition} paused: ${waiting} events wait for the other partitions`);
        } else if (waiting <= this.#maxWaiting / 2 && task.paused.delete(topic)) {
          this.#consumer.resume(topic, [task.partition]);
          this.#log?.(`kafka: ${topic}/${task.partition} resumed: ${waiting} events wait`);
        }
      }
    }
  }

  #lastStatus = Date.now();

  /** Periodically: partitions silent for `idleMs` go idle; checkpoints that are due are written. */
  #tick(idleMs: number): void {
    const now = Date.now();
    if (now - this.#lastStatus >= 10_000) {
      this.#lastStatus = now;
      const at = [...this.#tasks.values()].map((t) => `${t.partition}@${[...t.next.values()].join('+') || '-'}${t.restoring ? ' (restoring)' : ''}`);
      this.#log?.(`kafka: ${this.consumed} in (${this.rejected} rejected), ${this.produced} out, ${this.checkpoints} checkpoints; partitions ${at.join(', ')}`);
    }
    const silent: string[] = [];
    for (const [input, seen] of this.#lastSeen) {
      if (now - seen < idleMs) continue;
      // A partition with messages left to read is behind, not idle: it holds the watermark
      // until it has caught up (its task restoring, paused, or its batches slow to come).
      if ((this.#lag.get(input) ?? 0n) > 0n) continue;
      const task = this.#tasks.get(Number(input.slice(input.lastIndexOf('/') + 1)));
      if (!task || task.restoring) continue;
      silent.push(input);
    }
    // While the group rebalances nothing is read: silence then says nothing about a partition.
    if (silent.length > 0 && !this.#checkingIdle && !this.#rebalancing) void this.#markIdle(silent, idleMs);
    this.#backpressure();
    // Outputs that the watermark's move released are written out now, checkpoints when due.
    this.#flushAll().catch((e: unknown) => this.#log?.(`kafka: writing failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  #checkingIdle = false;
  #rebalancing = false;

  /**
   * Partitions silent for the idle timeout go idle — unless their end shows messages not read
   * yet (the consumer is slow, not the partition quiet): those are behind and hold the watermark.
   */
  async #markIdle(silent: readonly string[], idleMs: number): Promise<void> {
    this.#checkingIdle = true;
    try {
      const ends = new Map<string, Map<number, string>>();
      for (const input of silent) {
        const slash = input.lastIndexOf('/');
        const [topic, partition] = [input.slice(0, slash), Number(input.slice(slash + 1))];
        const task = this.#tasks.get(partition);
        // A message may have come meanwhile.
        if (!task || !this.#lastSeen.has(input) || Date.now() - this.#lastSeen.get(input)! < idleMs) continue;
        if (!ends.has(topic)) ends.set(topic, await this.#client.endOffsets(topic));
        const end = BigInt(ends.get(topic)!.get(partition) ?? '0');
        // Where reading stands: after the last message read, or where the group committed.
        const next = BigInt(task.next.get(topic) ?? (await this.#client.committedOffsets(this.#groupId, topic)).get(partition) ?? '0');
        if (end > next) {
          this.#lag.set(input, end - next);
          continue;
        }
        this.#lastSeen.delete(input);
        for (const t of this.#tasks.values()) t.engine.inputIdle(input);
      }
    } catch (e) {
      this.#log?.(`kafka: cannot tell whether partitions are idle: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.#checkingIdle = false;
    }
  }

  // -------------------------------------------------------------------------------- writing

  /** Writes every task's outputs so far (and checkpoints those due); resolves once acknowledged. */
  #flushAll(force = false): Promise<void> {
    const now = Date.now();
    const work: Promise<void>[] = [];
    for (const task of this.#tasks.values()) {
      // While a partition has a backlog, checkpoints of all the tasks together take at most a
      // tenth of the time; caught up, a task is checkpointed every interval.
      const spacing = this.#behind(task) ? Math.max(this.#interval, task.checkpointCost * BACKLOG_SPACING * this.#tasks.size) : this.#interval;
      const due = task.dirty && (force || now - task.lastCheckpoint >= spacing);
      if (task.pending.length > 0 || due) work.push(this.#write(task, due));
    }
    return Promise.all(work).then(() => undefined);
  }

  /** Whether one of the task's partitions has messages not read yet. */
  #behind(task: Task): boolean {
    for (const s of this.#sources) if ((this.#lag.get(`${s.topic}/${task.partition}`) ?? 0n) > 0n) return true;
    return false;
  }

  /**
   * Hands the task's outputs so far to the producer and, with `checkpoint`, its state and
   * offsets after them, in order. The snapshot is taken now, with the outputs it has caused:
   * the offsets are committed only once both are acknowledged.
   */
  #write(task: Task, checkpoint: boolean): Promise<void> {
    if (task.closed || task.restoring) return Promise.resolve();
    const outputs = task.pending;
    task.pending = [];
    let records: OutboundMessage[] | undefined;
    if (checkpoint) {
      const started = performance.now();
      records = checkpointRecords(task, this.#taskKey(task.partition), task.engine.snapshot());
      task.checkpointCost = performance.now() - started;
      task.dirty = false;
      task.lastCheckpoint = Date.now();
    }
    const offsets = [...task.next].map(([topic, offset]) => ({ topic, partition: task.partition, offset }));
    const step = async (): Promise<void> => {
      if (task.closed) return;
      const started = Date.now();
      if (DEBUG) this.#log?.(`debug: ${task.partition} write ${outputs.length} outputs${records ? `, checkpoint at ${JSON.stringify(Object.fromEntries(task.next))}` : ''}`);
      const byTopic = new Map<string, OutboundMessage[]>();
      for (const o of outputs) {
        const list = byTopic.get(o.topic);
        if (list) list.push(o.message);
        else byTopic.set(o.topic, [o.message]);
      }
      if (this.#exactlyOnce) {
        const t = (task.transaction ??= await task.producer!.transaction());
        for (const [topic, messages] of byTopic) for (const part of bySize(messages)) await t.send(topic, part);
        if (records) {
          // One record per send: a record batch stays below the broker's limit (1 MiB by default).
          for (const record of records) await t.send(this.#changelog.topic, [record]);
          await t.sendOffsets(this.#groupId, offsets);
          task.transaction = undefined;
          await t.commit();
          this.checkpoints++;
        }
      } else {
        for (const [topic, messages] of byTopic) for (const part of bySize(messages)) await this.#producer?.send(topic, part);
        if (records) {
          const producer = this.#producer ?? (await this.#checkpointProducer());
          for (const record of records) await producer.send(this.#changelog.topic, [record]);
          this.checkpoints++;
          // The commit need not be waited for: a commit that fails only means the next restart
          // finds an older committed offset, and the checkpoint's offsets win over it.
          for (const o of offsets) this.#consumer?.commit(o.topic, o.partition, o.offset).catch((e: unknown) => this.#log?.(`kafka: commit failed: ${e instanceof Error ? e.message : String(e)}`));
        }
      }
      this.produced += outputs.length;
      if (DEBUG) this.#log?.(`debug: ${task.partition} written in ${Date.now() - started} ms`);
    };
    task.chain = task.chain.then(step);
    const done = task.chain;
    // A failure is reported once here; the chain goes on for later work.
    task.chain = task.chain.catch((e: unknown) => this.#revive(task, e));
    return done;
  }

  /**
   * Writing failed: the task's state is ahead of what Kafka holds (outputs that may be lost, a
   * transaction aborted). It is dropped and made again from its last checkpoint, which reads
   * again from the offsets that checkpoint reflects.
   */
  #revive(task: Task, error: unknown): void {
    if (task.closed) return;
    const message = error instanceof Error ? error.message : String(error);
    if (isFenced(error)) {
      // Another process holds the partition now (this one missed a rebalance): making the task
      // again would fence that process in turn. The partition waits for the group's next word;
      // but a process of an earlier generation, about to learn it lost the partition, can also
      // have fenced this one after the group gave the partition here. Then no word comes: if the
      // partition is still this process's a while later, it takes it back.
      this.#log?.(`kafka: partition ${task.partition}: ${message}; another process holds it, waiting for the group`);
      this.#setAside(task);
      this.#reclaimLater(task.partition);
      return;
    }
    this.#log?.(`kafka: partition ${task.partition}: ${message}; restarting it from its last checkpoint`);
    this.#close(task);
    if (this.#tasks.get(task.partition) === task && !this.#stopping) {
      this.#tasks.delete(task.partition);
      this.#newTask(task.partition, true);
    }
  }

  /** Takes the partition back FENCED_RECLAIM_MS from now, unless the group has moved it by then (one timer per partition, the latest). */
  #reclaimLater(partition: number): void {
    clearTimeout(this.#reclaims.get(partition));
    const timer = setTimeout(() => {
      this.#reclaims.delete(partition);
      this.#reclaim(partition);
    }, FENCED_RECLAIM_MS);
    timer.unref();
    this.#reclaims.set(partition, timer);
  }

  /** A partition set aside when fenced that the group has left here, with no rebalance going on: taken back from its last checkpoint. */
  #reclaim(partition: number): void {
    if (this.#stopping || this.#rebalancing || !this.#setAsidePartitions.has(partition) || this.#tasks.has(partition)) return;
    if (!this.#sourceTopics.some((topic) => this.#held.has(`${topic}/${partition}`))) return;
    this.#log?.(`kafka: partition ${partition}: still held here ${FENCED_RECLAIM_MS} ms after it was fenced; taking it back from its last checkpoint`);
    this.#setAsidePartitions.delete(partition);
    for (const topic of this.#sourceTopics) this.#consumer?.resume(topic, [partition]);
    this.#newTask(partition, true);
  }

  /** Closes a task and pauses its partition until the group's next assignment makes it again. */
  #setAside(task: Task): void {
    this.#close(task);
    if (this.#tasks.get(task.partition) === task) this.#tasks.delete(task.partition);
    for (const topic of this.#sourceTopics) this.#consumer?.pause(topic, [task.partition]);
    this.#setAsidePartitions.add(task.partition);
  }

  #ownProducer: Promise<KafkaProducer> | undefined;

  /** A producer for checkpoints when no sink needs one. */
  #checkpointProducer(): Promise<KafkaProducer> {
    return (this.#ownProducer ??= this.#client.producer());
  }

  /** Checkpoints every task now (before a rebalance or a stop), after its outputs. */
  #checkpointAll(why: string): void {
    this.#flushAll(true).catch((e: unknown) => this.#log?.(`kafka: checkpoint before ${why} failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Writes the outputs produced so far and waits for the broker's acknowledgement. */
  async flush(): Promise<void> {
    await this.#flushAll();
  }

  /** Stops consuming; checkpoints every partition and commits its offsets; closes the clients. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    for (const timer of this.#reclaims.values()) clearTimeout(timer);
    this.#reclaims.clear();
    // Batches that arrive from now on are left for the next owner; the state is checkpointed
    // and the offsets committed while the consumer is still in the group.
    this.#stopping = true;
    await Promise.all([...this.#tasks.values()].map((t) => t.ready.catch(() => undefined)));
    await this.#flushAll(true).catch((e: unknown) => this.#log?.(`kafka: final checkpoint failed: ${e instanceof Error ? e.message : String(e)}`));
    await Promise.all([...this.#tasks.values()].map((t) => t.chain));
    await this.#consumer?.disconnect();
    for (const task of this.#tasks.values()) this.#close(task);
    await Promise.all([...this.#tasks.values()].map((t) => t.chain));
    await this.#changelog.stop();
    await this.#producer?.disconnect();
    if (this.#ownProducer) await (await this.#ownProducer).disconnect();
    this.#log?.(`kafka: stopped after ${this.consumed} messages in (${this.rejected} rejected), ${this.produced} outputs out, ${this.checkpoints} checkpoints written, ${this.restored} restored`);
  }
}
