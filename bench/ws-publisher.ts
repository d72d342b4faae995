/**
 * The publisher of the WebSocket load benchmark (ws-load.ts), in its own process: publishes
 * events open-loop at a fixed rate, each in its own publish, stamped with the time it was due
 * (`sent`, epoch milliseconds at sub-millisecond resolution: comparable across processes).
 *
 *     node dist/bench/ws-publisher.js URL RATE SECONDS FIRST_ID
 */
import { WebSocket } from 'ws';

const [url, rateText, secondsText, firstText] = process.argv.slice(2);
const rate = Number(rateText);
const total = Math.round(rate * Number(secondsText));
const first = Number(firstText);
const now = (): number => performance.timeOrigin + performance.now();

const ws = new WebSocket(url!, 'cepheus.v1');
await new Promise<void>((resolve, reject) => {
  ws.once('error', reject);
  ws.once('open', () => {
    ws.send(JSON.stringify({ type: 'connection_init' }));
    ws.once('message', () => resolve());
  });
});
// Results come back one per publish; they are read (by ws) and ignored.
ws.on('message', () => {});
const interval = 1000 / rate;
const start = now() + 20;
// Sleeping (not spinning) until the next event is due, so that the publisher does not take a
// whole core from the server and the subscriber on a small machine.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
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
    const wait = start + i * interval - now();
    if (wait > 0.15) Atomics.wait(sleeper, 0, 0, Math.min(wait - 0.1, 5));
    setImmediate(tick);
  };
  setImmediate(tick);
});
// Let the last frames go out before closing.
await new Promise((r) => setTimeout(r, 200));
ws.close();
