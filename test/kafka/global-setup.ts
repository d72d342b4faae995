// Vitest global setup for the Kafka tests: one real broker (test/kafka/broker.mjs) for the
// whole run, its address provided as `kafkaBrokers`. Without Java the Kafka tests skip, with
// `kafkaSkipReason` saying why; under CI=true a missing Java fails the run instead.
//
//   import { inject } from 'vitest';
//   const brokers = inject('kafkaBrokers');            // '127.0.0.1:40123', or '' to skip
//   describe.skipIf(!brokers)(`kafka source ${inject('kafkaSkipReason')}`, ...);

import type { TestProject } from 'vitest/node';
import { checkPrerequisites, startBroker } from './broker.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test broker's '127.0.0.1:PORT', or '' when the Kafka tests are skipped. */
    kafkaBrokers: string;
    /** Why there is no broker, as one line; '' when there is one. */
    kafkaSkipReason: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const prerequisites = await checkPrerequisites();
  if (!prerequisites.ok) {
    if (process.env.CI === 'true') {
      throw new Error(`the Kafka tests must run under CI=true, but: ${prerequisites.reason}`);
    }
    console.warn(`[kafka] Kafka tests skipped: ${prerequisites.reason}`);
    provide('kafkaBrokers', '');
    provide('kafkaSkipReason', prerequisites.reason);
    return async () => {};
  }
  const broker = await startBroker({ log: (message) => console.error(`[kafka] ${message}`) });
  provide('kafkaBrokers', broker.bootstrap);
  provide('kafkaSkipReason', '');
  return () => broker.stop();
}
