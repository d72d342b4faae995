/**
 * Load over WebSocket (the server issue's benchmark): `cepheus serve` runs in its own process;
 * this process publishes over a WebSocket and subscribes to the query's output on another.
 *
 * - open loop at fixed rates (default 1,000, 10,000 and 50,000 events/s): a client process
 *   (ws-publisher.ts in Node, or with `--client c` ws-client.c, the same without a garbage
 *   collector or event loop of its own, built here with the machine's C compiler) sends each event in its own publish at its scheduled time and receives
 *   the outputs on a subscription; the latency of an event is from its scheduled time to its
 *   output arriving (so a stall of the publisher counts too), and again from the moment the
 *   client called send for it (the publisher's own wake-up lateness left out; the server's
 *   queueing and every process's stalls after the send still count; a diagnostic: the
 *   target is judged from the due time, bench/README.md "WebSocket load"); p50/p99/p99.9 per rate,
 *   after a warm-up at the same rate (`--warmup`, 1 s) whose p99 is reported apart; each
 *   publish is acknowledged (a `result` back to the publisher), or with `--unacked` not (the
 *   protocol's publish without an id: nothing comes back unless something went wrong); with
 *   `--repeat N` each rate is run N times (each a new client process) and summarised as the
 *   p99 of each run, their median, and the p99 of all the runs' latencies pooled: on a shared
 *   VM one run's p99 depends on the moment, so a figure worth recording is a series;
 * - before those, the machine's noise floor: how late an idle process's 1 ms timer fires;
 * - sustained throughput with batched publishes (1,000 events per publish, up to 8 publishes
 *   in flight): events/s accepted by the server and received back by the subscriber.
 *
 *     npm run bench:ws                         # = node dist/bench/ws-load.js
 *     node dist/bench/ws-load.js --rates 10000 --seconds 10
 *     node dist/bench/ws-load.js --rates 10000 --seconds 10 --repeat 10 --throughput-seconds 0 [--unacked] [--pin 1:0]
 *     node dist/bench/ws-load.js --server-node-args '--cpu-prof --cpu-prof-dir=bench/data/prof-ws'
 *     node dist/bench/ws-load.js --server relay    # the same clients against a bare ws relay (the floor)
 *     node dist/bench/ws-load.js --server relay-c  # ... against the relay in C (ws-relay.c: no Node, no GC, the machine's floor)
 *     node dist/bench/ws-load.js --client c --rates 10000 --seconds 10 --repeat 10 --throughput-seconds 0 --pin 1:0
 *     node dist/bench/ws-load.js ... --pin 1:0 --idle-poll   # the pinned CPUs kept from halting (idle-poll.c)
 *     node dist/bench/ws-load.js ... --pin 1:0 --shield --client-rt   # the server's CPU its own (shield.c), the client under SCHED_FIFO: how the target is judged
 *
 * Before the measured runs, the server is warmed up for `--server-warmup` seconds (default 5) at
 * the first rate, not measured: its one-time costs (JIT, the young generation growing) are not
 * a steady state.
 *
 * The query is a filter of the events marked `hit`: in the open-loop phases every event is, so
 * each one's latency is measured; in the throughput phase one event in 100 is (the others are
 * processed and dropped, as most events are by real rules), and every output is still checked
 * to arrive.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CepheusClient } from 'cepheus';
import { repoRoot } from './scenarios.js';

const SCRIPT = `CREATE STREAM Ev (id INT NOT NULL, sent DOUBLE NOT NULL, at DOUBLE, hit BOOLEAN, key STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM echo AS SELECT id, sent, at FROM Ev WHERE hit;
`;

interface Args {
  /** Node flags for the server's process (e.g. `--cpu-prof`). */
  serverNodeArgs: string[];
  rates: number[];
  seconds: number;
  /** Seconds published at each rate before the measured ones (reported apart). */
  warmup: number;
  throughputSeconds: number;
  /**
   * CPUs for the server and for the client process (`taskset -c`), e.g. `1:0`: so that neither
   * runs on the other's, and the server's work cannot make the publisher send late.
   */
  pin: { server: string; client: string } | undefined;
  /** Open-loop publishes without acknowledgement (no id: the server sends nothing back for them). */
  unacked: boolean;
  /** Open-loop runs at each rate (each a new client process), summarised together. */
  repeat: number;
  /**
   * `cepheus` (cepheus serve), `relay` (ws-relay.ts: the same clients against a bare ws relay,
   * the floor under Node) or `relay-c` (ws-relay.c: the same relay in C, the machine's floor).
   */
  server: 'cepheus' | 'relay' | 'relay-c';
  /** The open-loop client: `node` (ws-publisher.ts) or `c` (ws-client.c, compiled here). */
  client: 'node' | 'c';
  /**
   * Seconds of open-loop publishing at the first rate before any measured run, not measured: the
   * server's one-time costs (its functions compiled, its young generation grown to full size,
   * which on these VMs faults in megabytes of pages at once) fall here, not in the first run.
   */
  serverWarmup: number;
  /** Keeps the pinned CPUs from halting when idle (idle-poll.c at SCHED_IDLE on each); needs --pin. */
  idlePoll: boolean;
  /**
   * Gives the server's CPUs to the server alone for the benchmark (shield.c, as `cset shield`
   * does): every other thread that may be moved is moved to the other CPUs, and put back at the
   * end; needs --pin, and root or CAP_SYS_NICE.
   */
  shield: boolean;
  /**
   * Runs the client (the measuring instrument, not the thing measured) under SCHED_FIFO, as
   * cyclictest runs, so that the machine's other tasks cannot delay its sends and reads.
   */
  clientRt: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { serverNodeArgs: [], rates: [1_000, 10_000, 50_000], seconds: 5, warmup: 1, throughputSeconds: 5, repeat: 1, unacked: false, pin: undefined, server: 'cepheus', client: 'node', serverWarmup: 5, idlePoll: false, shield: false, clientRt: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (a === '--rates') args.rates = next().split(',').map(Number);
    else if (a === '--seconds') args.seconds = Number(next());
    else if (a === '--warmup') args.warmup = Number(next());
    else if (a === '--throughput-seconds') args.throughputSeconds = Number(next());
    else if (a === '--repeat') args.repeat = Number(next());
    else if (a === '--unacked') args.unacked = true;
    else if (a === '--server-warmup') {
      const seconds = next();
      args.serverWarmup = seconds === '' ? NaN : Number(seconds);
    }
    else if (a === '--idle-poll') args.idlePoll = true;
    else if (a === '--shield') args.shield = true;
    else if (a === '--client-rt') args.clientRt = true;
    else if (a === '--pin') {
      const [server, client] = next().split(':');
      if (!server || !client) throw new Error('--pin is SERVER_CPUS:CLIENT_CPUS, as taskset -c takes them (e.g. 1:0)');
      args.pin = { server, client };
    }
    else if (a === '--server-node-args') args.serverNodeArgs = next().split(' ').filter(Boolean);
    else if (a === '--server') {
      const server = next();
      if (server !== 'cepheus' && server !== 'relay' && server !== 'relay-c') throw new Error('--server is cepheus, relay or relay-c');
      args.server = server;
    }
    else if (a === '--client') {
      const client = next();
      if (client !== 'node' && client !== 'c') throw new Error('--client is node or c');
      args.client = client;
    }
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.repeat) || args.repeat < 1) throw new Error('--repeat is a whole number of runs, at least 1');
  if (!(args.serverWarmup >= 0 && args.serverWarmup < 3600)) throw new Error('--server-warmup is a number of seconds, 0 or more (under an hour)');
  if (args.serverWarmup > 0 && (args.rates[0] ?? 0) * args.serverWarmup < 1) throw new Error('--server-warmup is too short to publish one event at the first rate');
  if (args.idlePoll && args.pin === undefined) throw new Error('--idle-poll needs --pin: it keeps the CPUs the server and the client are pinned to from halting');
  if (args.shield && args.pin === undefined) throw new Error('--shield needs --pin: it keeps every other thread off the CPUs the server is pinned to');
  const clientCpus = args.pin ? cpuList([args.pin.client]) : [];
  if (args.shield && args.pin && cpuList([args.pin.server]).some((cpu) => clientCpus.includes(cpu)))
    throw new Error('--shield needs the client on other CPUs than the server (--pin 1:0): it keeps every other thread off the server\'s');
  return args;
}

/** Spawns a command, on the given CPUs only when `cpus` is set (`taskset -c`). */
function spawnOn(cpus: string | undefined, command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return cpus === undefined ? spawn(command, args, options) : spawn('taskset', ['-c', cpus, command, ...args], options);
}

/** Starts `cepheus serve` (or the bare relay) on a free port in a child process; resolves with its URL. */
function startServer(dir: string, nodeArgs: readonly string[], server: Args['server'], cpus: string | undefined): Promise<{ child: ChildProcess; url: string }> {
  const script = join(dir, 'load.cql');
  writeFileSync(script, SCRIPT);
  const command =
    server === 'relay-c'
      ? built('ws-relay')
      : [
          process.execPath,
          ...nodeArgs,
          ...(server === 'relay' ? [join(repoRoot(), 'dist/bench/ws-relay.js')] : [join(repoRoot(), 'bin/cepheus.js'), 'serve', '--port', '0', '--publish-rate', '100000000', '--queries', script]),
        ];
  const child = spawnOn(cpus, command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within 60 s: ${text}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /console at (http:\/\/[^ /]+)\//.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!.replace('http', 'ws') });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${text}`));
    });
  });
}

const nowMs = (): number => performance.now();

/** Nearest rank: the smallest value with at least p% of the values at or below it. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Summary {
  /** Each run's p99, in the order run. */
  p99s: number[];
  medianP99: number;
  /** Percentiles of every run's latencies together. */
  pooled: { p50: number; p99: number; p999: number };
}

/** Where the time of the events over 1 ms went (the relay stamps when it read each publish). */
function tailLine(t: Tail): string {
  const part = (n: number): string => `${n} (${t.over === 0 ? 0 : Math.round((100 * n) / t.over)}%)`;
  return `of the ${t.over} events over 1 ms from their due time, most of the time was the publisher sending late for ${part(t.publisherLate)}, the way to the server for ${part(t.toServer)}, the way from the server to the subscriber for ${part(t.toSubscriber)}`;
}

/** A series of runs: each one's p99, their median, and the percentiles of all latencies pooled. */
function summarise(runs: readonly Float64Array[]): Summary {
  const p99s = runs.map((r) => percentile(r, 99));
  const all = new Float64Array(runs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of runs) {
    all.set(r, at);
    at += r.length;
  }
  all.sort();
  return { p99s, medianP99: median(p99s), pooled: { p50: percentile(all, 50), p99: percentile(all, 99), p999: percentile(all, 99.9) } };
}

/**
 * Runs the client process at `rate` for `seconds`; latencies from each event's due time, and
 * (`fromSend`) from the moment the client called send for it.
 */
interface Tail {
  over: number;
  publisherLate: number;
  toServer: number;
  toSubscriber: number;
}

async function openLoop(
  url: string,
  rate: number,
  seconds: number,
  warmup: number,
  firstId: number,
  unacked: boolean,
  cpus: string | undefined,
  clientCommand: readonly string[],
): Promise<{ sent: number; latencies: Float64Array; fromSend: Float64Array; lost: number; warmup: Float64Array; lateness: Float64Array; tail: Tail | undefined }> {
  const client = spawnOn(cpus, clientCommand[0]!, [...clientCommand.slice(1), url, String(rate), String(seconds), String(firstId), String(warmup), unacked ? 'unacked' : 'acked'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => client.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`client exited with ${code ?? signal}`)))));
  const r = JSON.parse(out) as { sent: number; latencies: number[]; fromSend: number[]; warmup: { sent: number; latencies: number[] }; lateness: number[]; tail?: Tail };
  // An event whose output never arrived counts as infinitely late, not as no sample.
  const withLost = (received: number[]): Float64Array => {
    const all = new Float64Array(r.sent).fill(Infinity);
    all.set(received.slice(0, r.sent));
    return all.sort();
  };
  return {
    sent: r.sent + r.warmup.sent,
    latencies: withLost(r.latencies),
    fromSend: withLost(r.fromSend),
    lost: r.sent - r.latencies.length,
    lateness: Float64Array.from(r.lateness).sort(),
    warmup: Float64Array.from(r.warmup.latencies).sort(),
    tail: r.tail,
  };
}

/** The command that runs the open-loop client: ws-publisher.ts under this Node, or ws-client.c. */
function clientCommand(kind: Args['client']): string[] {
  return kind === 'node' ? [process.execPath, join(repoRoot(), 'dist/bench/ws-publisher.js')] : built('ws-client');
}

/**
 * bench/NAME.c, compiled (again when the source is newer) with the machine's C compiler into
 * dist/bench/NAME; the command that runs it.
 */
function built(name: 'ws-client' | 'ws-relay' | 'idle-poll' | 'shield'): string[] {
  const source = join(repoRoot(), `bench/${name}.c`);
  const binary = join(repoRoot(), `dist/bench/${name}`);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    try {
      execFileSync('cc', ['-O2', '-Wall', '-pthread', '-o', binary, source], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (error) {
      throw new Error(`${name}.c needs a C compiler (cc) to build ${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return [binary];
}

/**
 * The machine's own wake-up noise, the floor under any latency measured here: an idle Node
 * process with a 1 ms timer, for `seconds`; how late the timer fires (p99, max, and how often it
 * is more than 1 ms late). On a VM this is the hypervisor and the guest's kernel, not Cepheus.
 */
async function noiseFloor(seconds: number): Promise<{ p99: number; max: number; lateOver1msPerSecond: number }> {
  const code = `const late=[];let last=performance.now();const end=last+${seconds * 1000};
const t=setInterval(()=>{const n=performance.now();late.push(Math.max(0,n-last-1));last=n;if(n>end){clearInterval(t);late.sort((a,b)=>a-b);
process.stdout.write(JSON.stringify({p99:late[Math.floor(late.length*0.99)],max:late[late.length-1],over:late.filter(x=>x>1).length}));}},1);`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const r = JSON.parse(out) as { p99: number; max: number; over: number };
  return { p99: r.p99, max: r.max, lateOver1msPerSecond: r.over / seconds };
}

async function throughput(publisher: CepheusClient, counter: { n: number }, seconds: number, firstId: number): Promise<{ published: number; expected: number; received: number; seconds: number }> {
  const batch = 1000;
  const inFlight = 8;
  let id = firstId;
  let published = 0;
  let expected = 0;
  counter.n = 0;
  const start = nowMs();
  const end = start + seconds * 1000;
  const pending = new Set<Promise<unknown>>();
  while (nowMs() < end) {
    while (pending.size < inFlight) {
      const events = Array.from({ length: batch }, () => {
        const n = id++;
        if (n % 100 === 0) expected++;
        return { id: n, sent: 0, hit: n % 100 === 0, ts: Date.now() };
      });
      const p = publisher.publish('Ev', events).then(() => {
        published += batch;
        pending.delete(p);
      });
      pending.add(p);
    }
    await Promise.race(pending);
  }
  await Promise.all(pending);
  const drainUntil = nowMs() + 5000;
  while (counter.n < expected && nowMs() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  const elapsed = (nowMs() - start) / 1000;
  return { published, expected, received: counter.n, seconds: elapsed };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'cepheus-ws-load-'));
  if (args.clientRt) {
    try {
      execFileSync('chrt', ['--fifo', '10', 'true'], { stdio: 'ignore' });
    } catch {
      throw new Error('--client-rt runs the client with `chrt --fifo 10`, which failed here: it needs root or CAP_SYS_NICE');
    }
  }
  const command = [...(args.clientRt ? ['chrt', '--fifo', '10'] : []), ...clientCommand(args.client)];
  // Before the server and the spinners start: shield.c moves every thread but its own.
  const shield = args.shield && args.pin ? await shieldCpus(args.pin.server) : undefined;
  let started: { child: ChildProcess; url: string };
  try {
    started = await startServer(dir, args.serverNodeArgs, args.server, args.pin?.server);
  } catch (error) {
    await shield?.release();
    throw error;
  }
  const { child, url } = started;
  console.log(`cepheus ws load: node ${process.version}, ${cpus()[0]?.model ?? '?'} × ${cpus().length}, ${new Date().toISOString()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const serverName = { cepheus: 'cepheus serve', relay: 'bare ws relay (ws-relay.ts, no engine)', 'relay-c': 'relay in C (ws-relay.c: no engine, no Node)' }[args.server];
  console.log(`${serverName} ${url} (its own process); open-loop client (${args.client === 'c' ? 'ws-client.c' : 'ws-publisher.ts'}: publisher and subscriber, ${args.unacked ? 'publishes not acknowledged' : 'each publish acknowledged'}) in another${args.pin ? ` (server on CPUs ${args.pin.server}, client on ${args.pin.client})` : ''}; the batched phase from here`);
  let pollers: ChildProcess[] = [];
  try {
    if (shield) console.log(`CPUs ${cpuList([args.pin!.server]).join(', ')} given to the server alone (shield.c): ${shield.report}`);
    if (args.clientRt) console.log('the client runs under SCHED_FIFO (chrt --fifo 10)');
    if (args.idlePoll && args.pin) {
      pollers = keepAwake([args.pin.server, args.pin.client]);
      console.log(`CPUs ${cpuList([args.pin.server, args.pin.client]).join(', ')} kept from halting when idle (idle-poll.c at SCHED_IDLE; the noise floor below is measured with them)`);
    }
    const results: Record<string, unknown>[] = [];
    let id = 0;
    const noise = await noiseFloor(5);
    results.push({ noiseFloor: noise });
    console.log(`noise floor (an idle process's 1 ms timer, 5 s): late p99 ${(noise.p99 * 1000).toFixed(0)} µs, max ${(noise.max * 1000).toFixed(0)} µs, more than 1 ms late ${noise.lateOver1msPerSecond.toFixed(1)} times/s`);
    const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
    if (args.serverWarmup > 0 && args.rates.length > 0) {
      const w = await openLoop(url, args.rates[0]!, args.serverWarmup, 0, id, args.unacked, args.pin?.client, command);
      id += w.sent;
      results.push({ serverWarmup: { rate: args.rates[0], seconds: args.serverWarmup, sent: w.sent, p99: percentile(w.latencies, 99), lost: w.lost } });
      console.log(`server warm-up, not measured: ${args.serverWarmup} s at ${args.rates[0]!.toLocaleString('en-US')} events/s (p99 ${us(percentile(w.latencies, 99))}, ${w.lost} not received)`);
    }
    for (const rate of args.rates) {
      const runs: { latencies: Float64Array; fromSend: Float64Array; lateness: Float64Array; tail: Tail | undefined }[] = [];
      for (let run = 0; run < args.repeat; run++) {
        const r = await openLoop(url, rate, args.seconds, args.warmup, id, args.unacked, args.pin?.client, command);
        id += r.sent;
        runs.push(r);
        const row = {
          rate,
          run: run + 1,
          sent: r.sent,
          lost: r.lost,
          p50: percentile(r.latencies, 50),
          p99: percentile(r.latencies, 99),
          p999: percentile(r.latencies, 99.9),
          max: r.latencies[r.latencies.length - 1] ?? NaN,
          warmupP99: percentile(r.warmup, 99),
          fromSend: { p50: percentile(r.fromSend, 50), p99: percentile(r.fromSend, 99), p999: percentile(r.fromSend, 99.9), max: r.fromSend[r.fromSend.length - 1] ?? NaN },
          publisherLate: { p50: percentile(r.lateness, 50), p99: percentile(r.lateness, 99), max: r.lateness[r.lateness.length - 1] ?? NaN, over1ms: r.lateness.filter((x) => x > 1).length },
          tail: r.tail,
        };
        results.push(row);
        const f = row.fromSend;
        console.log(
          `open loop ${rate.toLocaleString('en-US').padStart(7)} events/s${args.repeat > 1 ? ` (run ${run + 1} of ${args.repeat})` : ''}: due -> subscriber p50 ${us(row.p50)}, p99 ${us(row.p99)}, p99.9 ${us(row.p999)}, max ${us(row.max)}; ` +
            `send -> subscriber p50 ${us(f.p50)}, p99 ${us(f.p99)}, p99.9 ${us(f.p999)}, max ${us(f.max)} (${args.seconds} s after ${args.warmup} s of warm-up whose p99 was ${us(row.warmupP99)}; ${r.lost} not received)`,
        );
        const late = row.publisherLate;
        console.log(`  the publisher called send after the due time by p50 ${us(late.p50)}, p99 ${us(late.p99)}, max ${us(late.max)}; ${late.over1ms} events more than 1 ms late`);
        if (r.tail) console.log(`  ${tailLine(r.tail)}`);
      }
      if (args.repeat > 1) {
        const summary = { rate, runs: args.repeat, due: summarise(runs.map((r) => r.latencies)), fromSend: summarise(runs.map((r) => r.fromSend)), publisherLate: summarise(runs.map((r) => r.lateness)) };
        results.push(summary);
        const line = (s: Summary): string => `p99 of each run ${s.p99s.map(us).join(', ')}; median ${us(s.medianP99)}; pooled p50 ${us(s.pooled.p50)}, p99 ${us(s.pooled.p99)}, p99.9 ${us(s.pooled.p999)}`;
        console.log(`open loop ${rate.toLocaleString('en-US').padStart(7)} events/s, ${args.repeat} runs: due -> subscriber ${line(summary.due)}`);
        console.log(`${' '.repeat(35 + String(args.repeat).length)}send -> subscriber ${line(summary.fromSend)}`);
        console.log(`${' '.repeat(35 + String(args.repeat).length)}publisher late (send - due) ${line(summary.publisherLate)}`);
        const tails = runs.flatMap((r) => (r.tail ? [r.tail] : []));
        if (tails.length > 0) {
          const sum = (k: keyof Tail): number => tails.reduce((n, t) => n + t[k], 0);
          console.log(`  ${args.repeat} runs: ${tailLine({ over: sum('over'), publisherLate: sum('publisherLate'), toServer: sum('toServer'), toSubscriber: sum('toSubscriber') })}`);
        }
      }
    }
    if (args.throughputSeconds > 0) {
      // Connected only now: a subscriber of this process during the open-loop runs would double
      // the server's writes per event and wake a third process on the CPUs measured.
      const publisher = await CepheusClient.connect(url);
      const subscriber = await CepheusClient.connect(url);
      const counter = { n: 0 };
      await subscriber.subscribe('echo', () => counter.n++, { queue: 1_000_000 });
      const t = await throughput(publisher, counter, args.throughputSeconds, id);
      const rate = t.published / t.seconds;
      results.push({ throughput: rate, published: t.published, expected: t.expected, received: t.received, seconds: t.seconds });
      console.log(
        `batched publishes (1,000 per publish, 8 in flight, 1% matching): ${Math.round(rate).toLocaleString('en-US')} events/s sustained (${t.published} published, ${t.received} of ${t.expected} outputs received, ${t.seconds.toFixed(1)} s)`,
      );
      await publisher.close();
      await subscriber.close();
    }
    const out = join(repoRoot(), 'bench', 'data');
    mkdirSync(out, { recursive: true });
    const file = join(out, `ws-load-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, loadavg: loadavg(), args, results }, null, 2));
    console.log(`results written to ${file}`);
  } finally {
    child.kill('SIGTERM');
    for (const p of pollers) p.kill('SIGKILL');
    const restored = await shield?.release();
    if (restored) console.log(`shield.c: ${restored}`);
  }
}

/**
 * Starts shield.c, which moves every thread that may be moved off `serverCpus` (a `taskset -c`
 * list) and keeps them off until its stdin closes: when `release` is called, or when this process
 * ends, however it ends. It runs in a process group of its own, so that a Ctrl-C or a signal to
 * this group ends this process, not it. Resolves once the threads are moved, with shield.c's
 * report; `release` resolves once they are back, with its report of that.
 */
async function shieldCpus(serverCpus: string): Promise<{ report: string; release: () => Promise<string> }> {
  const [program] = built('shield');
  const p = spawn(program!, [cpuList([serverCpus]).join(',')], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  p.unref();
  // Its two lines: what it moved, then (once its stdin is closed) what it put back.
  const lines = createInterface({ input: p.stdout! })[Symbol.asyncIterator]();
  let released = false;
  const exited = new Promise<number | null>((resolve) =>
    p.once('close', (code) => {
      if (!released) console.error(`shield.c ended (${code}) before the benchmark was done: the server's CPUs are not its own from here`);
      resolve(code);
    }),
  );
  const release = async (): Promise<string> => {
    released = true;
    p.stdin!.end();
    const report = (await lines.next()).value ?? '';
    const code = await exited;
    if (code !== 0) console.error(`shield.c could not put every thread back (${code}: ${report || 'no report'}): see bench/shield.c for how to reset them by hand`);
    return report;
  };
  const report: string | undefined = (await lines.next()).value;
  if (report === undefined) {
    released = true;
    throw new Error(`shield.c ended (${await exited}) before moving the threads`);
  }
  const m = /^moved (\d+) threads; .*; (\d+) refused/.exec(report);
  if (!m || Number(m[1]) === 0 || Number(m[2]) > 0) {
    await release();
    throw new Error(`--shield could not move every thread (${report}): it needs root or CAP_SYS_NICE`);
  }
  return { report, release };
}

/** The CPUs named by `taskset -c` lists of CPUs and ranges (`1`, `0,2`, `0-3`), each once. */
function cpuList(lists: readonly string[]): number[] {
  const cpus = new Set<number>();
  for (const list of lists)
    for (const part of list.split(',')) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m || Number(m[2] ?? m[1]) < Number(m[1])) throw new Error(`--pin takes CPU lists of numbers and ranges (1, 0,2, 0-3), not ${list}`);
      for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) cpus.add(c);
    }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * Starts idle-poll.c on each CPU of the lists; the processes, to be killed at the end. One that
 * ends before (SCHED_IDLE refused) is reported: the CPUs are then not all kept awake.
 */
function keepAwake(lists: readonly string[]): ChildProcess[] {
  const [poll] = built('idle-poll');
  return cpuList(lists).map((cpu) => {
    const p = spawnOn(String(cpu), poll!, [String(process.pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') console.error(`idle-poll on CPU ${cpu} ended (${code ?? signal}): that CPU is not kept from halting`);
    });
    p.unref();
    return p;
  });
}

await main();
