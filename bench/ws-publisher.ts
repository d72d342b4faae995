/**
 * The client process of the WebSocket load benchmark (ws-load.ts): publishes events open-loop
 * at a fixed rate, each in its own publish, stamped with the time it was due (`sent`), and
 * subscribes to the query's output on a second connection; the latency of an event is from its
 * due time to its output arriving here. Prints `{sent, latencies}` as JSON on standard output.
 * Publisher and subscriber share this process so that, with the server, two processes share
 * the machine's two cores (a third busy process would measure the scheduler, not Cepheus).
 *
 *     node dist/bench/ws-publisher.js URL RATE SECONDS FIRST_ID
 */
import { WebSocket } from 'ws';

const [url, rateText, secondsText, firstText] = process.argv.slice(2);
const rate = Number(rateText);
const total = Math.round(rate * Number(secondsText));
const first = Number(firstText);
const now = (): number => performance.timeOrigin + performance.now();

async function open(): Promise<WebSocket> {
  const ws = new WebSocket(url!, 'cepheus.v1');
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init' }));
      ws.once('message', () => resolve());
    });
  });
  return ws;
}

const latencies = new Float64Array(total);
let received = 0;
const sub = await open();
sub.on('message', (data) => {
  const m = JSON.parse(data.toString()) as { type: string; payload?: { data?: { id: number; sent: number } } };
  if (m.type !== 'next' || !m.payload?.data) return;
  const k = m.payload.data.id - first;
  if (k >= 0 && k < total) {
    latencies[k] = now() - m.payload.data.sent;
    received++;
  }
});
await new Promise<void>((resolve) => {
  sub.send(JSON.stringify({ type: 'subscribe', id: 'echo', payload: { stream: 'echo', queue: 1_000_000 } }));
  sub.once('message', () => resolve());
});
const ws = await open();
// Results come back one per publish; they are read (by ws) and ignored.
ws.on('message', () => {});
const interval = 1000 / rate;
const start = now() + 20;
// Polled with setImmediate: the process never blocks, so outputs are read as they arrive
// (it takes one core; the server has the other).
let i = 0;
await new Promise<void>((done) => {
  const tick = (): void => {
    const t = now();
    while (i < total && start + i * interval <= t) {
      const sent = start + i * interval;
      ws.send(JSON.stringify({ type: 'publish', id: `p${i}`, payload: { stream: 'Ev', event: { id: first + i, sent, hit: true, ts: Math.floor(sent) } } }));
      i++;
    }
    if (i >= total) return done();
    setImmediate(tick);
  };
  setImmediate(tick);
});
// Wait for the last outputs (at most 5 s), then report.
const until = now() + 5000;
while (received < total && now() < until) await new Promise((r) => setTimeout(r, 5));
ws.close();
sub.close();
process.stdout.write(JSON.stringify({ sent: total, latencies: Array.from(latencies.filter((x) => x > 0)) }) + '\n');
