/**
 * A partition's task in the Kafka connector (docs/connectors.md, "A task per partition"): the
 * replica of the engine that holds the state of the partition's keys, with the offsets it has
 * reached, the outputs it has not written yet, and the work on its producer side.
 */
import type { Engine } from '../index.js';
import type { KafkaTransaction, KafkaTransactionalProducer, OutboundMessage } from '../io/kafka.js';

/**
 * While a partition has a backlog, its checkpoints are spaced at least this many times their
 * measured cost (the snapshot and its records) apart. Writing the records costs about as much
 * again, out of sight of that measure (kafkajs encodes, checksums and copies them, and the
 * garbage follows; seen in a profile of bench/kafka.ts), so 20 keeps checkpoints to about a
 * tenth of the time.
 */
export const BACKLOG_SPACING = 20;

/** A partition's engine and what goes with it. */
export class Task {
  readonly partition: number;
  readonly engine: Engine;
  /** Per source topic, the offset of the next message to process (known after a restore or a message). */
  readonly next = new Map<string, string>();
  /** Outputs not yet handed to the producer. */
  pending: { topic: string; message: OutboundMessage }[] = [];
  /** Per query: the event time of its last output and its outputs at that time. */
  readonly ranks = new Map<string, { time: number; n: number }>();
  /** Work on the task's producer side, in order (outputs, checkpoints, commits). */
  chain: Promise<void> = Promise.resolve();
  ready: Promise<void> = Promise.resolve();
  /** Something happened since the last checkpoint. */
  dirty = false;
  lastCheckpoint = Date.now();
  /**
   * Milliseconds the last snapshot took, with its records. While its partition has a backlog, a
   * task's checkpoints come at least `BACKLOG_SPACING` times that (times the number of tasks)
   * apart, so that a large state costs at most a tenth of the time (checkpoints are whole
   * snapshots, not deltas).
   */
  checkpointCost = 0;
  /** Changelog keys of chunks this partition's next checkpoint deletes: its last one's, and any left over. */
  oldChunks = new Set<string>();
  paused = new Set<string>();
  producer: KafkaTransactionalProducer | undefined;
  transaction: KafkaTransaction | undefined;
  /** Until its checkpoint is restored, a task is neither fed nor checkpointed. */
  restoring = true;
  closed = false;

  constructor(partition: number, engine: Engine) {
    this.partition = partition;
    this.engine = engine;
  }
}
