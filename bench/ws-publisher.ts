/**
 * The client process of the WebSocket load benchmark (ws-load.ts): publishes events open-loop
 * at a fixed rate, each in its own publish, stamped with the time it was due (`sent`), and
 * subscribes to the query's output on a second connection; the latency of an event is from its
 * due time to its output arriving here, and (`fromSend`) from the moment send was called for it
 * (`at`). Prints `{sent, latencies, fromSend, warmup, lateness, tail?}` as JSON on standard
 * output: the latencies of the events received, and the publisher's lateness (send - due) of
 * every event.
 *
 * When the server stamps each output with the moment it read the publish (`srv`, as the bare
 * relay does: cepheus serve does not), `tail` tells where the time of each event over 1 ms
 * went: counted by the largest of its three parts — the publisher sending late (due → send),
 * the way to the server (send → read there), and the way back (server → subscriber). Clocks of
 * processes on one machine agree (`performance.timeOrigin + performance.now()`).
 *
 * The publisher runs on the main thread and sleeps until the next event is due
 * (`Atomics.wait`, no spinning); the subscriber runs in a worker thread with its own event loop,
 * so an output is read the moment it arrives, whatever the publisher is doing. Neither spins:
 * a spinning client takes a whole core, and the server's own helper threads (GC, I/O) would then
 * queue behind it for the scheduler. Publisher and subscriber share this process so that, with
 * the server, two processes share the machine's two cores.
 *
 * The first `WARMUP` seconds are published at the same rate but reported apart (as `warmup`):
 * they measure the JIT compiling both processes' hot paths, not the steady state.
 *
 * With `unacked`, the publishes carry no id, so the server sends nothing back for them
 * (docs/protocol.md, publishing without acknowledgement); otherwise each gets its result.
 *
 *     node dist/bench/ws-publisher.js URL RATE SECONDS FIRST_ID [WARMUP_SECONDS] [acked|unacked]
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { WebSocket } from 'ws';

const now = (): number => performance.timeOrigin + performance.now();

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, 'cepheus.v1');
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init' }));
      ws.once('message', () => resolve());
    });
  });
  return ws;
}

interface Plan {
  url: string;
  first: number;
  total: number;
}

/** The subscriber (worker thread): records each output's latency, reports them when told to. */
async function subscriber({ url, first, total }: Plan): Promise<void> {
  const latencies = new Float64Array(total);
  const fromSend = new Float64Array(total);
  const fromServer = new Float64Array(total);
  const sub = await open(url);
  sub.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; payload?: { data?: { id: number; sent: number; at: number; srv?: number } } };
    if (m.type !== 'next' || !m.payload?.data) return;
    const k = m.payload.data.id - first;
    if (k < 0 || k >= total) return;
    const t = now();
    latencies[k] = t - m.payload.data.sent;
    fromSend[k] = t - m.payload.data.at;
    if (m.payload.data.srv !== undefined) fromServer[k] = t - m.payload.data.srv;
  });
  await new Promise<void>((resolve) => {
    sub.send(JSON.stringify({ type: 'subscribe', id: 'echo', payload: { stream: 'echo', queue: 1_000_000 } }));
    sub.once('message', () => resolve());
  });
  parentPort!.postMessage({ ready: true });
  parentPort!.once('message', () => {
    sub.close();
    parentPort!.postMessage({ latencies, fromSend, fromServer }, [latencies.buffer, fromSend.buffer, fromServer.buffer]);
  });
}

async function publisher(): Promise<void> {
  const [url, rateText, secondsText, firstText, warmupText, mode] = process.argv.slice(2);
  const acked = mode !== 'unacked';
  const rate = Number(rateText);
  const warmup = Math.round(rate * Number(warmupText ?? '0'));
  const total = warmup + Math.round(rate * Number(secondsText));
  const first = Number(firstText);
  const worker = new Worker(new URL(import.meta.url), { workerData: { url: url!, first, total } satisfies Plan });
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  const ws = await open(url!);
  // Results come back one per acknowledged publish; they are read (by ws) and ignored.
  ws.on('message', () => {});
  const interval = 1000 / rate;
  const start = now() + 20;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  // How late the publisher called send for each event, after its due time: the load generator's
  // own lateness, which the latency from the due time includes and the one from the send does not.
  const lateness = new Float64Array(total);
  let i = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const t = now();
      while (i < total && start + i * interval <= t) {
        const sent = start + i * interval;
        const at = now();
        lateness[i] = at - sent;
        const payload = { stream: 'Ev', event: { id: first + i, sent, at, hit: true, ts: Math.floor(sent) } };
        ws.send(JSON.stringify(acked ? { type: 'publish', id: `p${i}`, payload } : { type: 'publish', payload }));
        i++;
      }
      if (i >= total) return done();
      // Sleep until the next event is due, at most 1 ms so that this thread's own socket
      // (the publish results) is read in between.
      const wait = start + i * interval - now();
      if (wait > 0.01) Atomics.wait(sleeper, 0, 0, Math.min(wait, 1));
      setImmediate(tick);
    };
    setImmediate(tick);
  });
  // Let the last outputs arrive (the slowest is well under a second), then collect.
  await new Promise((r) => setTimeout(r, 1000));
  const { latencies, fromSend, fromServer } = await new Promise<{ latencies: Float64Array; fromSend: Float64Array; fromServer: Float64Array }>((resolve) => {
    worker.once('message', resolve);
    worker.postMessage('report');
  });
  await worker.terminate();
  ws.close();
  const received = (of: Float64Array, from: number, to: number): number[] => Array.from(of.subarray(from, to).filter((x) => x > 0));
  process.stdout.write(
    JSON.stringify({
      sent: total - warmup,
      latencies: received(latencies, warmup, total),
      fromSend: received(fromSend, warmup, total),
      warmup: { sent: warmup, latencies: received(latencies, 0, warmup) },
      lateness: Array.from(lateness.subarray(warmup, total)),
      ...(fromServer.some((x) => x > 0) ? { tail: tailParts(latencies, fromSend, fromServer, warmup) } : {}),
    }) + '\n',
  );
}

/** Of the measured events over 1 ms from their due time, how many spent most of it in each part. */
function tailParts(latencies: Float64Array, fromSend: Float64Array, fromServer: Float64Array, from: number): { over: number; publisherLate: number; toServer: number; toSubscriber: number } {
  const tail = { over: 0, publisherLate: 0, toServer: 0, toSubscriber: 0 };
  for (let k = from; k < latencies.length; k++) {
    if (!(latencies[k]! > 1) || !(fromServer[k]! > 0)) continue;
    tail.over++;
    const late = latencies[k]! - fromSend[k]!;
    const up = fromSend[k]! - fromServer[k]!;
    const down = fromServer[k]!;
    if (late >= up && late >= down) tail.publisherLate++;
    else if (up >= down) tail.toServer++;
    else tail.toSubscriber++;
  }
  return tail;
}

if (isMainThread) await publisher();
else await subscriber(workerData as Plan);
