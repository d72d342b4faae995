/** The read_committed filter that replaces kafkajs's (src/io/kafkajs-read-committed.ts). */
import { describe, expect, it } from 'vitest';
import { filterAbortedMessages } from '../../../src/io/kafkajs-read-committed.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

/** One record batch of one record: `offset`, by `producer`, transactional unless told. */
function record(offset: number, producer: string, options: { control?: Buffer; inTransaction?: boolean } = {}) {
  return {
    offset: String(offset),
    key: options.control ?? Buffer.from(`k${offset}`),
    batchContext: { producerId: producer, inTransaction: options.inTransaction ?? true, isControlBatch: options.control !== undefined, firstOffset: String(offset), lastOffsetDelta: 0 },
  };
}

describe('read_committed filter', () => {
  it('drops the records of every aborted transaction, also where two of different producers overlap', () => {
    // Producers A and B both abort; their transactions interleave. C commits.
    const messages = [record(10, 'A'), record(11, 'B'), record(12, 'C'), record(13, 'A'), record(14, 'B'), record(15, 'A', { control: ABORT }), record(16, 'B', { control: ABORT }), record(17, 'C', { control: COMMIT })];
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'B', firstOffset: '11' }, { producerId: 'A', firstOffset: '10' }] });
    expect(kept.filter((m) => !m.batchContext.isControlBatch).map((m) => m.offset)).toEqual(['12']);
  });

  it('keeps a producer\'s records after its abort marker, and records outside transactions', () => {
    const messages = [record(20, 'A'), record(21, 'A', { control: ABORT }), record(22, 'A'), record(23, 'D', { inTransaction: false })];
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'A', firstOffset: '20' }] });
    expect(kept.filter((m) => !m.batchContext.isControlBatch).map((m) => m.offset)).toEqual(['22', '23']);
  });

  it('marks a transaction aborted from the first batch that reaches its first offset (a fetch that starts inside it)', () => {
    // The fetch starts at 31, inside A's aborted transaction that began at 30.
    const messages = [record(31, 'A'), record(32, 'A', { control: ABORT }), record(33, 'E')];
    expect(filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'A', firstOffset: '30' }] }).map((m) => m.offset)).toEqual(['32', '33']);
  });
});
