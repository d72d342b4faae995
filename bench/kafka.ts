/**
 * Kafka end to end (the Kafka issue's benchmark): events/s from a source topic, through a
 * pattern, to a sink topic, with JSON messages, in three modes:
 *
 *   one    one engine process, in process (KafkaConnector), at-least-once: a partition's offsets
 *          are committed with its checkpoint, after its outputs are acknowledged;
 *   eos    the same with `exactlyOnce: true` (outputs, checkpoints and offsets in one Kafka
 *          transaction per partition; checkpoints every 100 ms);
 *   three  three `cepheus serve` processes (`node bin/cepheus.js serve --kafka-config FILE`) in
 *          one consumer group over the same 6-partition topic, at-least-once.
 *
 *     npm run bench:kafka                               # every mode, 1,000,000 events; starts a test broker (test/kafka/broker.mjs)
 *     node dist/bench/kafka.js --mode one --events 300000
 *     node dist/bench/kafka.js --mode three --events 300000 --processes 3
 *     node dist/bench/kafka.js --mode one --checkpoint-interval 3600000   # the ceiling without checkpoints
 *     node dist/bench/kafka.js --mode one,eos --brokers 127.0.0.1:9092
 *
 * Each mode gets its own topics and group. The input (scenario (1): `a -> b -> c` per key,
 * SKIP TILL NEXT MATCH, 10,000 keys; messages keyed by `key`) is written to the topic first,
 * timed separately; only then are the consumers started, so they read a full topic.
 *
 * When is the input done? Two clocks, both from the moment the consumers are started:
 *   - "consumed": every message handed to the engine (the connector's own count; in process
 *     only: `one` and `eos`);
 *   - "committed": the group's committed offsets on the source topic add up to the number of
 *     events, polled every 100 ms with a kafkajs admin of the bench's own. An offset is committed
 *     only after the events before it were processed, their outputs acknowledged and the
 *     partition's checkpoint written, so this is the honest end for `three` (a process cannot
 *     be asked how far it has read without stopping it) — and it is late by up to one
 *     checkpoint interval (1 s at-least-once, 100 ms exactly-once) plus a poll. Both clocks are
 *     printed for the in-process modes, to show how large that lag is.
 * The in-process modes also print the rate from the first message read (joining the group and
 * the first fetch take a fixed second or so, which weighs on short runs).
 * For `three` the clock includes the processes' start (Node and the engine load, ~0.5 s) and the
 * group's rebalances: the first process to join takes all six partitions and starts reading,
 * then hands four of them over as the others join (checkpoint, then restore from the
 * changelog). That is what starting a group on a backlog costs; the rate after the last
 * rebalance is printed too. When every offset is committed, the processes get SIGTERM and their
 * `kafka: stopped after N messages in` lines are summed: more than the events means messages
 * read twice (replayed from a checkpoint after a rebalance, which at-least-once allows).
 *
 * CPU: per process (process.cpuUsage, or /proc/PID/stat for the children) and for the whole
 * machine (/proc/stat), whose vCPUs the broker's JVM shares.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import kafkajs from 'kafkajs';
import { Engine } from 'cepheus';
import { KafkaConnector, kafkajsClient, type KafkaClient } from 'cepheus/connect';
import { repoRoot, seq3 } from './scenarios.js';

type Mode = 'one' | 'eos' | 'three';
const MODES: readonly Mode[] = ['one', 'eos', 'three'];

interface Args {
  modes: Mode[];
  events: number;
  partitions: number;
  processes: number;
  brokers: string | undefined;
  /** The connector's checkpoint interval (one and eos modes); its default when not given. */
  checkpointIntervalMs: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { modes: [...MODES], events: 1_000_000, partitions: 6, processes: 3, brokers: undefined, checkpointIntervalMs: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--mode') {
      const modes = next().split(',');
      for (const m of modes) if (!MODES.includes(m as Mode)) throw new Error(`--mode takes ${MODES.join(', ')} (comma separated), not '${m}'`);
      args.modes = modes as Mode[];
    } else if (a === '--events') args.events = Number(next());
    else if (a === '--partitions') args.partitions = Number(next());
    else if (a === '--processes') args.processes = Number(next());
    else if (a === '--brokers') args.brokers = next();
    else if (a === '--checkpoint-interval') args.checkpointIntervalMs = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(args.events > 0) || !(args.partitions > 0) || !(args.processes > 0)) throw new Error('--events, --partitions and --processes take positive numbers');
  return args;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------- CPU time

/** The machine's CPU time so far, in clock ticks (all vCPUs): busy, steal and total. */
interface MachineCpu {
  busy: number;
  steal: number;
  total: number;
}

function machineCpu(): MachineCpu | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  // user nice system idle iowait irq softirq steal (guest times are inside user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

/** "machine 1.62 of 2 vCPUs busy (steal 3%)" between two readings. */
function machineLine(from: MachineCpu | undefined, to: MachineCpu | undefined): string {
  if (!from || !to || to.total === from.total) return 'machine CPU unknown';
  const n = cpus().length;
  const total = to.total - from.total;
  return `machine ${(((to.busy - from.busy) / total) * n).toFixed(2)} of ${n} vCPUs busy, steal ${(((to.steal - from.steal) / total) * 100).toFixed(0)}%`;
}

/** A child's user + system CPU seconds so far (Linux), from /proc/PID/stat. */
function childCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ, 100 on Linux.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

// ------------------------------------------------------------------------------ the workload

interface Run {
  readonly mode: Mode;
  readonly input: string;
  readonly output: string;
  readonly groupId: string;
  /** The CQL: scenario (1), its stream fed from `input`, its matches written to `output`. */
  readonly script: string;
}

function newRun(mode: Mode): Run {
  const stamp = `${mode}-${Date.now()}`;
  const [input, output] = [`bench-in-${stamp}`, `bench-out-${stamp}`];
  const script = seq3()
    .script.replace("WITH (timestamp = 'ts')", `WITH (timestamp = 'ts', source = 'kafka', topic = '${input}', format = 'json')`)
    .replace('CREATE STREAM seq3 AS', `CREATE STREAM seq3 WITH (sink = 'kafka', topic = '${output}') AS`);
  return { mode, input, output, groupId: `bench-${stamp}`, script };
}

/** Creates the run's topics and writes `events` JSON events, keyed by `key`, to its input. */
async function produceInput(client: KafkaClient, run: Run, args: Args): Promise<void> {
  await client.createTopics([
    { topic: run.input, partitions: args.partitions },
    { topic: run.output, partitions: args.partitions },
  ]);
  const pool = seq3().pool().events;
  const producer = await client.producer();
  const t0 = performance.now();
  for (let i = 0; i < args.events; i += 5000) {
    const batch = [];
    for (let k = i; k < Math.min(args.events, i + 5000); k++) {
      const e: Record<string, unknown> = { ...pool[k % pool.length]!, ts: pool[0]!.ts + k };
      batch.push({ key: String(e['key']), value: JSON.stringify(e) });
    }
    await producer.send(run.input, batch);
  }
  await producer.disconnect();
  const written = (performance.now() - t0) / 1000;
  console.log(`[${run.mode}] wrote ${fmt(args.events)} events to ${run.input} (${args.partitions} partitions) in ${written.toFixed(1)} s (${fmt(args.events / written)}/s)`);
}

/** The group's committed offsets on the input, summed (a persistent admin: one request per poll). */
async function committedSum(admin: kafkajs.Admin, run: Run): Promise<number> {
  let entry: Awaited<ReturnType<kafkajs.Admin['fetchOffsets']>>[number] | undefined;
  try {
    [entry] = await admin.fetchOffsets({ groupId: run.groupId, topics: [run.input] });
  } catch (e) {
    // Before the group exists its coordinator may not be known yet: nothing is committed.
    if ((e as { retriable?: boolean }).retriable === true) return 0;
    throw e;
  }
  let sum = 0;
  for (const p of entry?.partitions ?? []) if (Number(p.offset) > 0) sum += Number(p.offset);
  return sum;
}

/** Resolves with performance.now() once the committed offsets reach `events`; polls every 100 ms. */
async function whenCommitted(admin: kafkajs.Admin, run: Run, events: number, timeoutMs: number, onPoll?: (committed: number) => void): Promise<number | undefined> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const committed = await committedSum(admin, run);
    onPoll?.(committed);
    if (committed >= events) return performance.now();
    await sleep(100);
  }
  return undefined;
}

interface Result {
  readonly mode: Mode;
  readonly line: string;
}

// ------------------------------------------------------------------------- kafkajs's errors

/**
 * kafkajs logs the errors it retries (a coordinator not ready yet, a rebalance under way, a
 * concurrent transaction) as JSON lines on the console. They are counted per message and
 * summed up after each mode instead of flooding the output.
 */
const kafkajsErrors = new Map<string, number>();

/** "12× message" per kafkajs message seen in `lines`, most frequent first. */
function tally(counts: ReadonlyMap<string, number>): string[] {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${n}× ${m}`);
}

function kafkajsMessage(line: string): string | undefined {
  if (!line.startsWith('{') || !line.includes('"logger":"kafkajs"')) return undefined;
  try {
    const o = JSON.parse(line) as { message?: string; error?: string };
    return `${o.message ?? ''}${o.error !== undefined ? `: ${o.error}` : ''}`.replace(/\(correlationId.*$/, '');
  } catch {
    return undefined;
  }
}

function captureKafkajsErrors(): void {
  for (const level of ['error', 'warn', 'info', 'log'] as const) {
    const original = console[level].bind(console);
    console[level] = (...data: unknown[]): void => {
      const message = typeof data[0] === 'string' && data.length === 1 ? kafkajsMessage(data[0]) : undefined;
      if (message === undefined) original(...data);
      else kafkajsErrors.set(message, (kafkajsErrors.get(message) ?? 0) + 1);
    };
  }
}

function reportKafkajsErrors(mode: Mode): void {
  for (const t of tally(kafkajsErrors)) console.log(`  [${mode}] kafkajs logged ${t}`);
  kafkajsErrors.clear();
}

// ------------------------------------------------------------------------ one and eos modes

async function inProcess(client: KafkaClient, admin: kafkajs.Admin, run: Run, args: Args): Promise<Result> {
  const exactlyOnce = run.mode === 'eos';
  const engine = new Engine();
  const deployed = engine.deploy(run.script);
  if (!deployed.ok) throw new Error(deployed.diagnostics.map((d) => d.message).join('\n'));
  const machine0 = machineCpu();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const connector = await KafkaConnector.start(engine, client, {
    groupId: run.groupId,
    idleTimeoutMs: 500,
    exactlyOnce,
    ...(args.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: args.checkpointIntervalMs } : {}),
    log: (l) => {
      if (!l.includes('holding partitions') && !l.includes('consuming')) console.log(`  [${run.mode}] ${l}`);
    },
  });
  while (connector.consumed === 0) await sleep(2);
  const firstAt = performance.now();
  while (connector.consumed < args.events) await sleep(20);
  if (connector.consumed > args.events * 1.5) console.log(`  [${run.mode}] ${fmt(connector.consumed)} messages read for ${fmt(args.events)} events: partitions were replayed`);
  const consumedAt = performance.now();
  const used = process.cpuUsage(cpu);
  const machine1 = machineCpu();
  // Polling starts only now: the admin's requests are not on the engine's event loop meanwhile.
  const committedAt = await whenCommitted(admin, run, args.events, 30_000);
  await connector.stop();
  const elapsed = (consumedAt - t0) / 1000;
  const committed = committedAt === undefined ? 'not all offsets committed within 30 s' : `all committed at ${((committedAt - t0) / 1000).toFixed(1)} s: ${fmt(args.events / ((committedAt - t0) / 1000))} events/s`;
  const busy = (used.user + used.system) / 1e6 / elapsed;
  const line =
    `${run.mode === 'eos' ? 'one process, exactly-once' : 'one process, at-least-once'}: ${fmt(args.events / elapsed)} events/s consumed ` +
    `(${elapsed.toFixed(1)} s; ${committed}; ${fmt(args.events / ((consumedAt - firstAt) / 1000))} events/s from the first message read, ${((firstAt - t0) / 1000).toFixed(1)} s after the start); ` +
    `${fmt(connector.produced)} matches written by the end of consumption, ${connector.checkpoints} checkpoints; ` +
    `this process ${(busy * 100).toFixed(0)}% of a core, ${machineLine(machine0, machine1)}`;
  console.log(line);
  return { mode: run.mode, line };
}

// ------------------------------------------------------------------------------- three mode

interface Child {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** When it last said which partitions it holds, and how many. */
  held: { at: number; count: number } | undefined;
}

function spawnServe(dir: string, name: string, configFile: string, log: string): Child {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin/cepheus.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--queries', join(dir, 'script.cql'), '--kafka-config', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const c: Child = { name, child, lines: [], exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), held: undefined };
  let rest = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    writeFileSync(log, chunk, { flag: 'a' });
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const line of parts) {
      c.lines.push(line);
      const held = /holding partitions (.*)$/.exec(line);
      if (held) c.held = { at: performance.now(), count: held[1]!.trim() === 'none' ? 0 : held[1]!.split(',').length };
    }
  });
  return c;
}

async function threeProcesses(admin: kafkajs.Admin, run: Run, brokers: string, args: Args): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'cepheus-kafka-bench-'));
  writeFileSync(join(dir, 'script.cql'), run.script);
  const configFile = join(dir, 'kafka.json');
  writeFileSync(configFile, JSON.stringify({ brokers: [brokers], groupId: run.groupId, clientId: 'cepheus-bench', idleTimeout: '500ms' }));
  const machine0 = machineCpu();
  const t0 = performance.now();
  const children = Array.from({ length: args.processes }, (_, i) => spawnServe(dir, `p${i}`, configFile, join(dir, `p${i}.log`)));
  // The committed offsets when the group last changed hands: the rate after the last rebalance.
  let settled: { at: number; committed: number } | undefined;
  const share = Math.floor(args.partitions / args.processes);
  const committedAt = await whenCommitted(admin, run, args.events, 180_000, (committed) => {
    const all = children.every((c) => c.held !== undefined && c.held.count >= share);
    if (all && settled === undefined) settled = { at: Math.max(...children.map((c) => c.held!.at)), committed };
  });
  const machine1 = machineCpu();
  const cpuSeconds = children.map((c) => childCpuSeconds(c.child.pid));
  for (const c of children) c.child.kill('SIGTERM');
  const codes = await Promise.race([Promise.all(children.map((c) => c.exited)), sleep(30_000).then(() => undefined)]);
  if (codes === undefined) for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  if (committedAt === undefined) throw new Error(`three processes: not every offset committed within 3 minutes; logs in ${dir}`);

  const elapsed = (committedAt - t0) / 1000;
  const stopped = children.map((c) => {
    const m = /stopped after (\d+) messages in \((\d+) rejected\), (\d+) outputs out, (\d+) checkpoints written, (\d+) restored/.exec(c.lines.findLast((l) => l.includes('stopped after')) ?? '');
    return m ? { in: Number(m[1]), rejected: Number(m[2]), out: Number(m[3]), checkpoints: Number(m[4]), restored: Number(m[5]) } : undefined;
  });
  const read = stopped.reduce((s, x) => s + (x?.in ?? 0), 0);
  const outputs = stopped.reduce((s, x) => s + (x?.out ?? 0), 0);
  // The connector's own complaints, and kafkajs's (retried) errors counted per message.
  const problems = children.flatMap((c) => c.lines.filter((l) => kafkajsMessage(l) === undefined && /failed|error|restarting|fenced|rejected \(/i.test(l)).map((l) => `${c.name}: ${l}`));
  const childErrors = new Map<string, number>();
  for (const c of children) for (const l of c.lines) { const m = kafkajsMessage(l); if (m !== undefined) childErrors.set(m, (childErrors.get(m) ?? 0) + 1); }
  console.log(`  [three] logs in ${dir}`);
  for (const [i, c] of children.entries()) {
    const s = stopped[i];
    console.log(
      `  [three] ${c.name}: ${s ? `${fmt(s.in)} messages in (${s.rejected} rejected), ${fmt(s.out)} outputs, ${s.checkpoints} checkpoints, ${s.restored} restored` : 'no "stopped after" line'}; ` +
        `${cpuSeconds[i] === undefined ? 'CPU unknown' : `${cpuSeconds[i]!.toFixed(1)} CPU-s (${((cpuSeconds[i]! / elapsed) * 100).toFixed(0)}% of a core)`}; ` +
        `${s ? `${fmt(s.in / elapsed)} events/s` : ''}; ${c.held ? `held ${c.held.count} partitions last` : 'never held a partition'}; exit ${c.child.exitCode ?? c.child.signalCode}`,
    );
  }
  for (const p of problems.slice(0, 10)) console.log(`  [three] ${p}`);
  for (const t of tally(childErrors)) console.log(`  [three] kafkajs logged in the processes ${t}`);
  const steady = settled && committedAt > settled.at ? `; after the last rebalance (${((settled.at - t0) / 1000).toFixed(1)} s in, ${fmt(settled.committed)} committed by then): ${fmt((args.events - settled.committed) / ((committedAt - settled.at) / 1000))} events/s` : '';
  const line =
    `${args.processes} processes, at-least-once: ${fmt(args.events / elapsed)} events/s in total, ${fmt(args.events / elapsed / args.processes)} per process ` +
    `(start to all committed ${elapsed.toFixed(1)} s${steady}); ${fmt(read)} messages read (${fmt(read - args.events)} read twice), ${fmt(outputs)} matches written; ` +
    `${machineLine(machine0, machine1)}, of which these processes ${(cpuSeconds.reduce<number>((s, x) => s + (x ?? 0), 0) / elapsed).toFixed(2)}`;
  console.log(line);
  return { mode: 'three', line };
}

// -------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  captureKafkajsErrors();
  console.log(`cepheus kafka bench: node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`modes ${args.modes.join(', ')}; ${fmt(args.events)} events, ${args.partitions} partitions${args.modes.includes('three') ? `, ${args.processes} processes in mode three` : ''}`);
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
  const admin = new kafkajs.Kafka({ brokers: [brokers], clientId: 'cepheus-bench-admin', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const results: Result[] = [];
  try {
    const client = kafkajsClient({ brokers: [brokers], clientId: 'cepheus-bench' });
    for (const mode of args.modes) {
      const run = newRun(mode);
      await produceInput(client, run, args);
      results.push(mode === 'three' ? await threeProcesses(admin, run, brokers, args) : await inProcess(client, admin, run, args));
      reportKafkajsErrors(mode);
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
    await stopBroker();
  }
  console.log('\nsummary');
  for (const r of results) console.log(`  ${r.line}`);
}

await main();
