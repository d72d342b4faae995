/** The Kafka connector says at start which queries' state is not keyed by their topic's message key. */
import { describe, expect, it } from 'vitest';
import { KafkaConnector } from '../../../src/connect/kafka-connector.js';
import { Engine } from '../../../src/index.js';

function warnings(withKey: string): string[] {
  const engine = new Engine();
  const deployed = engine.deploy(`CREATE STREAM Txn (card STRING, account STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns'${withKey});
CREATE STREAM big AS SELECT card FROM Txn WHERE amount > 900;
CREATE STREAM testing AS SELECT a.card FROM PATTERN a=Txn[amount < 1] -> b=Txn[amount > 500] PARTITION BY card WITHIN 1 MINUTE;
CREATE STREAM per_account AS SELECT account, COUNT(*) AS n FROM Txn WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY account;
CREATE STREAM total AS SELECT COUNT(*) AS n FROM Txn WINDOW TUMBLING (SIZE 1 MINUTE);`);
  if (!deployed.ok) throw new Error(JSON.stringify(deployed.diagnostics));
  return KafkaConnector.keyWarnings(engine, KafkaConnector.bindings(engine).sources);
}

describe('key warnings', () => {
  it('names each stateful query not keyed by the message key, and says what to do; a filter keeps no state', () => {
    const list = warnings(", key = 'card'");
    expect(list).toHaveLength(2);
    expect(list[0]).toMatch(/^'per_account' keeps state by GROUP BY account, but topic txns is keyed by 'card'/);
    expect(list[1]).toMatch(/^'total' keeps state for all events together, but topic txns is keyed by 'card'/);
  });

  it('without a key column, says that it cannot check', () => {
    const list = warnings('');
    expect(list).toHaveLength(3);
    expect(list[0]).toMatch(/'testing' keeps state by PARTITION BY card over 'Txn', whose WITH has no key = '...'/);
  });
});
