/**
 * A yardstick for the WebSocket load benchmark (`ws-load.ts --server relay`): a bare `ws`
 * server that speaks just enough of the `cepheus.v1` protocol for the benchmark's clients
 * (connection_init, subscribe, publish) and relays each published event marked `hit` to the
 * subscribers of `echo`, with no engine, no validation, no metrics. What it measures is the
 * floor under `cepheus serve`'s latency on this machine: the same three processes' wake-ups,
 * the same JSON and socket writes per event, and nothing of Cepheus. Each output carries `srv`,
 * the moment its publish was read here, so that the client can tell where the time went.
 *
 *     node dist/bench/ws-relay.js        # prints "console at http://127.0.0.1:PORT/" on stderr
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const subscribers = new Map<WebSocket, string>();
const http = createServer();
const wss = new WebSocketServer({ server: http, handleProtocols: (protocols) => (protocols.has('cepheus.v1') ? 'cepheus.v1' : false) });

wss.on('connection', (socket) => {
  socket.on('message', (data) => {
    // When the publish was read here: ws-publisher.ts splits the tail's time by it.
    const srv = performance.timeOrigin + performance.now();
    let m: { type?: string; id?: string; payload?: { stream?: string; event?: Record<string, unknown>; events?: Record<string, unknown>[] } } | null;
    try {
      m = JSON.parse(data.toString()) as typeof m;
    } catch {
      return; // a yardstick for our own client: anything else is dropped, not answered
    }
    if (m === null || typeof m !== 'object') return;
    if (m.type === 'connection_init') {
      socket.send(JSON.stringify({ type: 'connection_ack', payload: { server: 'relay', readOnly: false } }));
    } else if (m.type === 'subscribe') {
      subscribers.set(socket, String(m.id));
      socket.send(JSON.stringify({ type: 'result', id: m.id, payload: {} }));
    } else if (m.type === 'publish') {
      const events = m.payload?.events ?? (m.payload?.event !== undefined ? [m.payload.event] : []);
      for (const e of events) {
        if (e === null || typeof e !== 'object' || e['hit'] !== true) continue;
        for (const [sub, id] of subscribers) {
          sub.send(JSON.stringify({ type: 'next', id, payload: { stream: 'echo', time: e['ts'], data: { id: e['id'], sent: e['sent'], at: e['at'] ?? null, srv } } }));
        }
      }
      // A publish without an id is not acknowledged, as by cepheus serve.
      if (m.id !== undefined) socket.send(JSON.stringify({ type: 'result', id: m.id, payload: { accepted: events.length, rejected: 0 } }));
    }
  });
  socket.on('close', () => subscribers.delete(socket));
});

http.listen(0, '127.0.0.1', () => {
  process.stderr.write(`relay: console at http://127.0.0.1:${(http.address() as AddressInfo).port}/\n`);
});
process.on('SIGTERM', () => process.exit(0));
