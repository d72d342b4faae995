/**
 * Kafka end to end (the Kafka issue's benchmark, one process so far): events/s from a topic,
 * through a pattern, to a sink topic, with JSON messages, at-least-once (offsets committed after
 * the outputs are acknowledged).
 *
 *     npm run bench:kafka                          # starts a test broker (test/kafka/broker.mjs)
 *     node dist/bench/kafka.js --events 500000 --partitions 6
 *     node dist/bench/kafka.js --brokers 127.0.0.1:9092
 *
 * The input is written to the topic first (timed separately); then the engine consumes it from
 * the beginning. Scenario (1)'s pattern (`a -> b -> c` per key, SKIP TILL NEXT MATCH, 10,000
 * keys) writes its matches to the sink topic.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine } from 'cepheus';
import { KafkaConnector, kafkajsClient } from 'cepheus/connect';
import { repoRoot, seq3 } from './scenarios.js';

interface Args {
  events: number;
  partitions: number;
  brokers: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { events: 300_000, partitions: 6, brokers: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--events') args.events = Number(next());
    else if (a === '--partitions') args.partitions = Number(next());
    else if (a === '--brokers') args.brokers = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`cepheus kafka bench: node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let stopBroker = async (): Promise<void> => {};
  let brokers = args.brokers;
  if (brokers === undefined) {
    const { startBroker } = (await import(pathToFileURL(join(repoRoot(), 'test/kafka/broker.mjs')).href)) as {
      startBroker: () => Promise<{ bootstrap: string; stop: () => Promise<void> }>;
    };
    const broker = await startBroker();
    brokers = broker.bootstrap;
    stopBroker = () => broker.stop();
    console.log(`test broker at ${brokers}`);
  }
  try {
    const scenario = seq3();
    const source = scenario.script.replace(
      "WITH (timestamp = 'ts')",
      "WITH (timestamp = 'ts', source = 'kafka', topic = 'bench-in', format = 'json')",
    ).replace('CREATE STREAM seq3 AS', "CREATE STREAM seq3 WITH (sink = 'kafka', topic = 'bench-out') AS");
    const client = kafkajsClient({ brokers: [brokers], clientId: 'cepheus-bench' });
    await client.createTopics([
      { topic: 'bench-in', partitions: args.partitions },
      { topic: 'bench-out', partitions: args.partitions },
    ]);
    const pool = scenario.pool().events;
    const producer = await client.producer();
    const t0 = performance.now();
    for (let i = 0; i < args.events; i += 5000) {
      const batch = [];
      for (let k = i; k < Math.min(args.events, i + 5000); k++) {
        const e: Record<string, unknown> = { ...pool[k % pool.length]!, ts: pool[0]!.ts + k };
        batch.push({ key: String(e['key']), value: JSON.stringify(e) });
      }
      await producer.send('bench-in', batch);
    }
    await producer.disconnect();
    const written = (performance.now() - t0) / 1000;
    console.log(`wrote ${args.events.toLocaleString('en-US')} events to bench-in (${args.partitions} partitions) in ${written.toFixed(1)} s`);

    const engine = new Engine();
    const deployed = engine.deploy(source);
    if (!deployed.ok) throw new Error(deployed.diagnostics.map((d) => d.message).join('\n'));
    const cpu = process.cpuUsage();
    const t1 = performance.now();
    const connector = await KafkaConnector.start(engine, client, { groupId: `bench-${Date.now()}`, idleTimeoutMs: 500 });
    while (connector.consumed < args.events) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - t1) / 1000;
    const used = process.cpuUsage(cpu);
    await connector.stop();
    const rate = args.events / elapsed;
    console.log(
      `one process: ${Math.round(rate).toLocaleString('en-US')} events/s through the pattern (${connector.produced.toLocaleString('en-US')} matches written to bench-out, ${elapsed.toFixed(1)} s, ${(((used.user + used.system) / 1e6 / elapsed) * 100).toFixed(0)}% CPU of this process)`,
    );
  } finally {
    await stopBroker();
  }
}

await main();
