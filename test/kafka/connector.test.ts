/**
 * The Kafka connector against a real broker (test/kafka/broker.mjs): a script with a Kafka
 * source and Kafka sinks produces exactly the output `cepheus run` gives on the same events,
 * and poison messages land on `_rejected` with their topic, partition and offset while
 * consumption goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConnector } from '../../src/connect/kafka-connector.js';
import { Engine } from '../../src/index.js';
import { kafkajsClient } from '../../src/io/kafka.js';
import { checkPrerequisites, startBroker, type Broker } from './broker.mjs';
import { cepheusRun, readTopic } from './helpers.js';

const prerequisites = await checkPrerequisites();
const skipReason = prerequisites.ok || process.env.CI === 'true' ? '' : prerequisites.reason;
if (skipReason) console.warn(`Kafka connector tests skipped: ${skipReason}`);

const STREAMS = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns', format = 'json', key = 'card');`;
const QUERIES = `CREATE STREAM big WITH (sink = 'kafka', topic = 'big-out') AS SELECT card, amount FROM Txn WHERE amount > 900;
CREATE STREAM card_testing WITH (sink = 'kafka', topic = 'alerts') AS
SELECT a.card, a.amount AS probe, b.amount AS charge FROM PATTERN a=Txn[amount < 1] -> b=Txn[amount > 500] PARTITION BY card WITHIN 1 MINUTE;
CREATE STREAM per_card WITH (sink = 'kafka', topic = 'per-card') AS
SELECT card, COUNT(*) AS n, SUM(amount) AS total FROM Txn WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY card;`;

function events(n: number): Record<string, unknown>[] {
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, (_, i) => ({ card: `c${Math.floor(rnd() * 15)}`, amount: rnd() < 0.2 ? 0.5 : Math.round(rnd() * 100_000) / 100, ts: 1_700_000_000_000 + i * 250 }));
}

describe.skipIf(skipReason !== '')('Kafka connector (real broker)', () => {
  let broker: Broker;

  beforeAll(async () => {
    broker = await startBroker();
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  }, 30_000);

  it('feeds a script from a topic and writes its outputs to topics, as cepheus run would; poison messages go to _rejected', async () => {
    const input = events(600);
    // A last event far later closes every window the input opened (cepheus run ends its input).
    const sentinel = { card: 'none', amount: 1, ts: 1_800_000_000_000 };
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'txns', partitions: 1 }]);
    const producer = await client.producer();
    await producer.send('txns', [
      ...input.slice(0, 300).map((e) => ({ key: String(e['card']), value: JSON.stringify(e) })),
      { key: null, value: 'not json {' },
      { key: null, value: JSON.stringify({ card: 42, amount: 'x', ts: 1_700_000_075_000 }) },
      ...input.slice(300).map((e, i) => ({ key: i === 5 ? 'not-its-card' : String(e['card']), value: JSON.stringify(e) })),
      { key: 'none', value: JSON.stringify(sentinel) },
    ]);
    await producer.disconnect();

    const engine = new Engine();
    const deployed = engine.deploy(`${STREAMS}\n${QUERIES}`);
    expect(deployed.ok).toBe(true);
    const rejected: string[] = [];
    engine.subscribe('_rejected', (e) => rejected.push(String(e.data['reason'])));
    const logged: string[] = [];
    const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test', log: (line) => logged.push(line) });
    const until = Date.now() + 60_000;
    while (connector.consumed < input.length + 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(connector.consumed).toBe(input.length + 3);
    await connector.stop();
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatch(/^an event must be a JSON object, not the string "not json \{" \(topic txns, partition 0, offset 300\)$/);
    expect(rejected[1]).toMatch(/\(topic txns, partition 0, offset 301\)$/);
    // One message was keyed by something else than its card: reported, processed all the same.
    expect(connector.keyMismatches).toBe(1);
    expect(logged.some((l) => l.includes("message key \"not-its-card\" is not its 'card'"))).toBe(true);

    const expected = cepheusRun(`${STREAMS}\n${QUERIES}`, 'Txn', [...input, sentinel], sentinel.ts);
    for (const [stream, topic] of [['big', 'big-out'], ['card_testing', 'alerts'], ['per_card', 'per-card']] as const) {
      const want = expected.filter((e) => e.stream === stream).map(({ time, data }) => ({ time, data }));
      expect(want.length).toBeGreaterThan(5);
      expect((await readTopic(broker.bootstrap, topic, want.length)).map(({ time, data }) => ({ time, data }))).toEqual(want);
    }
  }, 180_000);

  it('reads several partitions as inputs of one clock: no event is late without allowed lateness, and the output is the one of the events in time order', async () => {
    const input = events(900);
    const sentinel = { card: 'none', amount: 1, ts: 1_800_000_000_000 };
    const script = (n: string) =>
      `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns3', format = 'json');
CREATE STREAM per_card WITH (sink = 'kafka', topic = '${n}') AS SELECT card, COUNT(*) AS n, SUM(amount) AS total FROM Txn WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY card;`;
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([
      { topic: 'txns3', partitions: 3 },
      { topic: 'windows3', partitions: 1 },
    ]);
    const producer = await client.producer();
    // Keyed by card: each partition holds some cards' events, all partitions interleaved in time.
    await producer.send('txns3', [...input, sentinel].map((e) => ({ key: String(e['card']), value: JSON.stringify(e) })));
    await producer.disconnect();

    const engine = new Engine();
    expect(engine.deploy(script('windows3')).ok).toBe(true);
    let rejected = 0;
    engine.subscribe('_rejected', () => rejected++);
    const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test-3', idleTimeoutMs: 300 });
    const until = Date.now() + 60_000;
    while (connector.consumed < input.length + 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    // The partitions other than the sentinel's go idle, the watermark reaches the sentinel.
    await new Promise((r) => setTimeout(r, 1500));
    await connector.stop();
    expect(rejected).toBe(0);

    const want = cepheusRun(script('windows3'), 'Txn', [...input, sentinel], sentinel.ts).map(({ time, data }) => ({ time, data }));
    expect(want.length).toBeGreaterThan(50);
    // Each partition's outputs are in order; across partitions they interleave as they come.
    const order = (list: { time: number; data: unknown }[]) => list.map((e) => JSON.stringify(e)).sort();
    expect(order((await readTopic(broker.bootstrap, 'windows3', want.length)).map(({ time, data }) => ({ time, data })))).toEqual(order(want));
  }, 180_000);
  it('checkpoints a state larger than a Kafka message in chunks, and a new process restores it', async () => {
    const script = `CREATE TABLE Profile (card STRING PRIMARY KEY, note STRING, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'profiles', key = 'card');
CREATE STREAM Pay (card STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'pays', key = 'card');
CREATE STREAM enriched WITH (sink = 'kafka', topic = 'enriched') AS SELECT p.card, p.amount, f.note FROM Pay p JOIN Profile f ON p.card = f.card;`;
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'profiles', partitions: 1 }, { topic: 'pays', partitions: 1 }, { topic: 'enriched', partitions: 1 }]);
    const producer = await client.producer();
    // 4,000 rows of 400 characters: a table of about 1.8 MB, more than a Kafka message may hold.
    const note = (i: number) => `note ${i} `.padEnd(400, 'x');
    const rows = Array.from({ length: 4000 }, (_, i) => ({ key: `c${i}`, value: JSON.stringify({ card: `c${i}`, note: note(i), ts: 1_700_000_000_000 + i }) }));
    for (let i = 0; i < rows.length; i += 500) await producer.send('profiles', rows.slice(i, i + 500));
    const start = async (): Promise<KafkaConnector> => {
      const engine = new Engine();
      expect(engine.deploy(script).ok).toBe(true);
      return KafkaConnector.start(engine, client, { groupId: 'cepheus-test-chunks', idleTimeoutMs: 300 });
    };
    const first = await start();
    const until = Date.now() + 60_000;
    while (first.consumed < 4000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await first.stop();
    expect(first.checkpoints).toBeGreaterThan(0);

    // The second process reads only what comes next: the table must come from the checkpoint.
    await producer.send('pays', [7, 1234, 3999].map((i) => ({ key: `c${i}`, value: JSON.stringify({ card: `c${i}`, amount: i, ts: 1_700_000_010_000 + i }) })));
    await producer.disconnect();
    const second = await start();
    const again = Date.now() + 60_000;
    // The payments wait until the silent profiles partition goes idle (300 ms), then join.
    while (second.produced < 3 && Date.now() < again) await new Promise((r) => setTimeout(r, 50));
    await second.stop();
    expect(second.restored).toBe(1);
    expect(second.consumed).toBe(3);
    const read = await readTopic(broker.bootstrap, 'enriched', 3);
    expect(read.map((m) => m.data)).toEqual([7, 1234, 3999].map((i) => ({ card: `c${i}`, amount: i, note: note(i) })));
  }, 180_000);
  it('pauses a partition whose events wait for a slower one, and resumes it when they are processed', async () => {
    const script = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns-bp', format = 'json');
CREATE STREAM big WITH (sink = 'kafka', topic = 'big-bp') AS SELECT card, amount FROM Txn WHERE amount > 0;`;
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'txns-bp', partitions: 2 }, { topic: 'big-bp', partitions: 1 }]);
    const producer = await client.producer();
    // Partition 0 gets every event; partition 1 nothing, so it holds the watermark until it goes idle (3 s).
    const kafka = (await import('kafkajs')).default;
    const raw = new kafka.Kafka({ brokers: [broker.bootstrap], logLevel: kafka.logLevel.NOTHING }).producer();
    await raw.connect();
    // 30,000 events of about 80 bytes: more than one fetch of a partition (1 MiB) can bring.
    for (let from = 0; from < 30_000; from += 3000) {
      await raw.send({ topic: 'txns-bp', messages: Array.from({ length: 3000 }, (_, i) => ({ partition: 0, value: JSON.stringify({ card: 'c', amount: from + i + 1, ts: 1_700_000_000_000 + from + i, pad: 'x'.repeat(20) }) })) });
    }
    await raw.disconnect();
    await producer.disconnect();
    const engine = new Engine();
    expect(engine.deploy(script).ok).toBe(true);
    const logged: string[] = [];
    const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test-bp', idleTimeoutMs: 3000, maxWaiting: 200, log: (line) => logged.push(line) });
    const until = Date.now() + 60_000;
    while (connector.produced < 30_000 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await connector.stop();
    // Paused with at most a fetch beyond the cap waiting, not all 30,000; resumed once partition 1 went idle.
    const paused = logged.find((l) => l.includes('txns-bp/0 paused'));
    expect(paused).toMatch(/paused: \d+ events wait/);
    expect(Number(/paused: (\d+)/.exec(paused!)![1])).toBeLessThan(30_000);
    expect(logged.some((l) => l.includes('txns-bp/0 resumed'))).toBe(true);
    expect(connector.produced).toBe(30_000);
  }, 180_000);
  it('a partition whose checkpoint cannot be read is set aside, said so, and the others go on', async () => {
    const script = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns-bad', format = 'json');
CREATE STREAM big WITH (sink = 'kafka', topic = 'big-bad') AS SELECT card, amount FROM Txn WHERE amount > 0;`;
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'txns-bad', partitions: 2 }, { topic: 'big-bad', partitions: 1 }, { topic: 'cepheus-cepheus-test-bad-changelog', partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
    const producer = await client.producer();
    // Partition 1's checkpoint says it holds state, but the state is not a snapshot.
    await producer.send('cepheus-cepheus-test-bad-changelog', [{ key: 'txns-bad/1', value: JSON.stringify({ v: 1, id: 'bad', offsets: { 'txns-bad': '0' }, ranks: [], state: Buffer.from('not a snapshot').toString('base64') }) }]);
    await producer.disconnect();
    const kafka = (await import('kafkajs')).default;
    const raw = new kafka.Kafka({ brokers: [broker.bootstrap], logLevel: kafka.logLevel.NOTHING }).producer();
    await raw.connect();
    await raw.send({ topic: 'txns-bad', messages: [0, 1].flatMap((partition) => Array.from({ length: 50 }, (_, i) => ({ partition, value: JSON.stringify({ card: `c${partition}`, amount: i + 1, ts: 1_700_000_000_000 + i }) }))) });
    await raw.disconnect();
    const engine = new Engine();
    expect(engine.deploy(script).ok).toBe(true);
    const logged: string[] = [];
    const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test-bad', idleTimeoutMs: 300, log: (line) => logged.push(line) });
    const until = Date.now() + 30_000;
    while (connector.produced < 50 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1000));
    await connector.stop();
    expect(logged.some((l) => /partition 1 could not start: .*not read until the next rebalance/.test(l))).toBe(true);
    // Partition 0 was read and its outputs written; partition 1 was not touched.
    expect(connector.consumed).toBe(50);
    expect(connector.produced).toBe(50);
  }, 180_000);

  it('exactly once: a partition whose producer another process fences while the group leaves it here is taken back, every output written once', async () => {
    const script = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns-f', format = 'json', key = 'card');
CREATE STREAM card_testing WITH (sink = 'kafka', topic = 'alerts-f') AS
SELECT a.card, a.amount AS probe, b.amount AS charge FROM PATTERN a=Txn[amount < 1] -> b=Txn[amount > 500] PARTITION BY card WITHIN 1 MINUTE;`;
    const input = events(800);
    const sentinel = { card: 'none', amount: 1, ts: 1_800_000_000_000 };
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'txns-f', partitions: 1 }, { topic: 'alerts-f', partitions: 1 }]);
    const send = async (list: Record<string, unknown>[]) => {
      const producer = await client.producer();
      await producer.send('txns-f', list.map((e) => ({ key: String(e['card']), value: JSON.stringify(e) })));
      await producer.disconnect();
    };
    await send(input.slice(0, 400));
    const engine = new Engine();
    expect(engine.deploy(script).ok).toBe(true);
    const logged: string[] = [];
    // Checkpoints far apart: the fence comes before the first, so the partition is read again
    // from its start (the consumer is past it by then: batches fetched before are not the start).
    const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test-fence', exactlyOnce: true, checkpointIntervalMs: 8000, idleTimeoutMs: 300, log: (line) => logged.push(line) });
    let until = Date.now() + 60_000;
    while (connector.consumed < 400 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    // What a process of an earlier generation does when it starts the partition: a producer of
    // the partition's transactional id, which fences the one that holds it here.
    const stale = await client.transactionalProducer('cepheus-test-fence-txns-f/0');
    await (await stale.transaction()).abort();
    await send([...input.slice(400), sentinel]);
    until = Date.now() + 60_000;
    while (!logged.some((l) => l.includes('taking it back from its last checkpoint')) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(logged.some((l) => /partition 0: .*another process holds it, waiting for the group/.test(l))).toBe(true);
    expect(logged.some((l) => l.includes('partition 0: still held here 5000 ms after it was fenced; taking it back from its last checkpoint'))).toBe(true);
    const want = cepheusRun(script, 'Txn', [...input, sentinel], sentinel.ts).map(({ time, data }) => JSON.stringify([time, data]));
    expect(want.length).toBeGreaterThan(20);
    const got = await readTopic(broker.bootstrap, 'alerts-f', want.length, 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    await connector.stop();
    await stale.disconnect();
    expect(logged.some((l) => l.includes('restored from checkpoint'))).toBe(false);
    expect(got.map(({ time, data }) => JSON.stringify([time, data])).sort()).toEqual([...want].sort());
  }, 180_000);

  it('a checkpoint whose writer died between its chunks and its manifest leaves the one before it to restore', async () => {
    const script = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns-crash', format = 'json');
CREATE STREAM counts WITH (sink = 'kafka', topic = 'counts-crash') AS SELECT card, COUNT(*) AS n FROM Txn GROUP BY card;`;
    const client = kafkajsClient({ brokers: [broker.bootstrap], clientId: 'cepheus-test' });
    await client.createTopics([{ topic: 'txns-crash', partitions: 1 }, { topic: 'counts-crash', partitions: 1 }]);
    const kafka = (await import('kafkajs')).default;
    const raw = new kafka.Kafka({ brokers: [broker.bootstrap], logLevel: kafka.logLevel.NOTHING }).producer();
    await raw.connect();
    const send = (from: number, n: number) => raw.send({ topic: 'txns-crash', messages: Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ card: 'c0', amount: 1, ts: 1_700_000_000_000 + from + i }) })) });
    await send(0, 50);
    const run = async (want: number): Promise<string[]> => {
      const engine = new Engine();
      expect(engine.deploy(script).ok).toBe(true);
      const logged: string[] = [];
      const connector = await KafkaConnector.start(engine, client, { groupId: 'cepheus-test-crash', idleTimeoutMs: 300, log: (line) => logged.push(line) });
      const until = Date.now() + 30_000;
      while (connector.produced < want && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await connector.stop();
      expect(connector.produced).toBe(want);
      return logged;
    };
    await run(50);
    // A later checkpoint's chunk, written just before its writer died: no manifest names it. Once
    // under this layout's key, once under the key chunk 0 of every checkpoint shared before
    // (which overwrote the last complete checkpoint's chunk and made it unreadable).
    const producer = await client.producer();
    const stray = Buffer.concat([Buffer.from('later\n'), Buffer.from('not a snapshot either')]);
    await producer.send('cepheus-cepheus-test-crash-changelog', [{ key: 'txns-crash/0#later#0', value: stray }, { key: 'txns-crash/0#0', value: stray }]);
    await producer.disconnect();
    await send(50, 5);
    const logged = await run(5);
    await raw.disconnect();
    expect(logged.some((l) => l.includes('txns-crash/0 restored from checkpoint'))).toBe(true);
    // The count went on from the restored state: 51 to 55.
    const counts = await readTopic(broker.bootstrap, 'counts-crash', 55);
    expect(counts.slice(50).map((c) => (c.data as { n: number }).n)).toEqual([51, 52, 53, 54, 55]);
    // The stray chunk was deleted (a tombstone) after the new owner's checkpoint.
    const reader = new kafka.Kafka({ brokers: [broker.bootstrap], logLevel: kafka.logLevel.NOTHING }).consumer({ groupId: `crash-reader-${Date.now()}` });
    await reader.connect();
    await reader.subscribe({ topic: 'cepheus-cepheus-test-crash-changelog', fromBeginning: true });
    const deleted = new Set<string>();
    await reader.run({ eachMessage: async ({ message }) => void (message.value === null && deleted.add(String(message.key))) });
    const until = Date.now() + 30_000;
    while (deleted.size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await reader.disconnect();
    expect([...deleted].sort()).toEqual(['txns-crash/0#0', 'txns-crash/0#later#0']);
  }, 180_000);
});
