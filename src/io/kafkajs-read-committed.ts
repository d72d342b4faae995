/**
 * A fix for kafkajs 2.2.4's read_committed consumers, loaded before kafkajs itself.
 *
 * A fetch response lists the aborted transactions in its range. kafkajs marks at most one of them
 * as started per message, in the order listed. So where two transactions of different producers
 * overlap (several processes writing one topic), the first messages of the second can pass as
 * committed. Cepheus would then read an aborted checkpoint from its changelog, and a consumer
 * would read an aborted output. This filter does what Kafka's Java consumer does. It takes the
 * aborted transactions by first offset, and marks as started every one that begins at or before
 * the end of the record batch at hand. It drops that batch's transactional records if their
 * producer has an aborted transaction under way. A producer's ABORT marker ends its transaction.
 *
 * The filter is put in Node's CommonJS module cache under the path of kafkajs's own, so
 * kafkajs's batch module takes it when it is loaded. It must therefore run before kafkajs is
 * first loaded in the process. If kafkajs was loaded first, `patched` says the filter is not
 * in use.
 */
import { createRequire } from 'node:module';

interface FetchedMessage {
  readonly key: Buffer | null;
  readonly batchContext: { readonly producerId: unknown; readonly inTransaction: boolean; readonly isControlBatch?: boolean; readonly firstOffset: string; readonly lastOffsetDelta: number };
}

interface AbortedTransaction {
  readonly producerId: unknown;
  readonly firstOffset: unknown;
}

/** The key of an ABORT control record: version 0, type 0. */
const ABORT_KEY = Buffer.from([0, 0, 0, 0]);

export function filterAbortedMessages<M extends FetchedMessage>({ messages, abortedTransactions }: { messages: readonly M[]; abortedTransactions?: readonly AbortedTransaction[] }): M[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return [...messages];
  const pending = [...abortedTransactions].sort((a, b) => (BigInt(String(a.firstOffset)) < BigInt(String(b.firstOffset)) ? -1 : 1));
  const aborted = new Set<string>();
  return messages.filter((message) => {
    const batch = message.batchContext;
    const batchEnd = BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta);
    while (pending.length > 0 && BigInt(String(pending[0]!.firstOffset)) <= batchEnd) aborted.add(String(pending.shift()!.producerId));
    const producer = String(batch.producerId);
    if (batch.isControlBatch) {
      if (message.key && Buffer.from(message.key).equals(ABORT_KEY)) aborted.delete(producer);
      return true;
    }
    return !(batch.inTransaction && aborted.has(producer));
  });
}

const require = createRequire(import.meta.url);
const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
const batchPath = require.resolve('kafkajs/src/consumer/batch.js');

/** Whether kafkajs uses this filter (false when kafkajs was loaded before this module). */
export const patched = require.cache[batchPath] === undefined;
if (patched) {
  require.cache[filterPath] = { id: filterPath, filename: filterPath, loaded: true, exports: filterAbortedMessages } as unknown as NodeJS.Module;
}
