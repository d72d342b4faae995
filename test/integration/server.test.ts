/**
 * The server over real WebSocket connections on loopback (docs/protocol.md): deploy, publish,
 * subscribe — with results identical to `cepheus run` on the same input — authentication,
 * bad frames, a slow consumer that stops reading while another keeps receiving everything,
 * /healthz, /metrics and a graceful shutdown.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CepheusClient, CepheusError, Engine, type WireOutputEvent } from '../../src/index.js';
import { CloseCode, SUBPROTOCOL } from '../../src/client/protocol.js';
import { CepheusServer } from '../../src/server/server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cepheus.js');

const STREAMS = `CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, merchant STRING, ts TIMESTAMP) WITH (timestamp = 'ts');
CREATE STREAM Verified (card STRING NOT NULL, ts TIMESTAMP) WITH (timestamp = 'ts');`;

const QUERIES = `CREATE STREAM card_testing AS
SELECT a.card, a.amount AS probe, b.amount AS charge, b.ts - a.ts AS gap_ms
FROM PATTERN a=Txn[amount < 1.00] -> NOT Verified[card = a.card] -> b=Txn[amount > 500]
PARTITION BY card WITHIN 10 MINUTES;
CREATE STREAM per_card AS
SELECT card, COUNT(*) AS n, SUM(amount) AS total, WINDOW_END AS until
FROM Txn WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY card;
CREATE STREAM big AS SELECT card, amount FROM Txn WHERE amount > 900;`;

/** A deterministic input: card testing now and then, verifications, ordinary spending. */
function input(n: number): { stream: string; data: Record<string, unknown> }[] {
  const out: { stream: string; data: Record<string, unknown> }[] = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < n; i++) {
    const card = `c${Math.floor(rnd() * 20)}`;
    const ts = 1_700_000_000_000 + i * 500;
    const r = rnd();
    if (r < 0.05) out.push({ stream: 'Verified', data: { card, ts } });
    else out.push({ stream: 'Txn', data: { card, amount: r < 0.25 ? 0.5 : Math.round(rnd() * 100_000) / 100, merchant: `m${i % 7}`, ts } });
  }
  return out;
}

/** Later than any event of the first test: the tests share one engine and its watermark. */
const LATER = 1_900_000_000_000;

let server: CepheusServer;
let url: string;
const TOKEN = 'sesame-0123456789';
const READ_TOKEN = 'peek-9876543210';

beforeAll(async () => {
  server = await CepheusServer.start({ engine: new Engine(), port: 0, tokens: [TOKEN], readOnlyTokens: [READ_TOKEN], maxFrameBytes: 256 * 1024 });
  url = server.url.replace('http', 'ws');
});

afterAll(async () => {
  await server.close();
});

/** A raw WebSocket speaking the protocol by hand, for what the client would never send. */
async function raw(headers: Record<string, string> = {}, to = url): Promise<{ ws: WebSocket; messages: unknown[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(to, SUBPROTOCOL, { headers });
  const messages: unknown[] = [];
  ws.on('message', (m) => messages.push(JSON.parse(m.toString())));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  return { ws, messages, closed };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cepheus serve: the WebSocket API', () => {
  it('deploys, publishes and streams the same outputs as cepheus run on the same input', async () => {
    const client = await CepheusClient.connect(url, { token: TOKEN });
    const deployed = await client.deploy(`${STREAMS}\n${QUERIES}`, { file: 'cards.cql' });
    expect(deployed.queries).toEqual(['card_testing', 'per_card', 'big']);
    expect(deployed.explained).toEqual([]);
    const received: WireOutputEvent[] = [];
    for (const q of deployed.queries) await client.subscribe(q, (e) => received.push(e));
    const events = input(3000);
    // A last event far later closes every window and WITHIN bound that the input opened.
    const sentinel = { stream: 'Verified', data: { card: 'none', ts: 1_800_000_000_000 } };
    const all = [...events, sentinel];
    for (let i = 0; i < all.length; ) {
      const stream = all[i]!.stream;
      const batch: unknown[] = [];
      while (i < all.length && all[i]!.stream === stream && batch.length < 200) batch.push(all[i++]!.data);
      const r = await client.publish(stream, batch);
      expect(r).toEqual({ accepted: batch.length, rejected: 0 });
    }
    await client.list(); // a round trip: every output of the publishes has been sent before it

    const dir = mkdtempSync(join(tmpdir(), 'cepheus-serve-'));
    writeFileSync(join(dir, 'cards.cql'), `${STREAMS}\n${QUERIES}`);
    writeFileSync(join(dir, 'input.ndjson'), all.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const run = spawnSync(process.execPath, [BIN, 'run', join(dir, 'cards.cql'), '--input', join(dir, 'input.ndjson')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    // `run` ends its input (the watermark goes to +∞); the server's input goes on: the outputs
    // before the sentinel's time are the same, in the same order.
    const expected = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as WireOutputEvent)
      .filter((e) => e.time < sentinel.data.ts);
    expect(expected.length).toBeGreaterThan(100);
    expect(new Set(expected.map((e) => e.stream))).toEqual(new Set(['card_testing', 'per_card', 'big']));
    expect(received).toEqual(expected);
    await client.undeploy('card_testing');
    expect((await client.list()).queries).toEqual([]);
    await client.close();
  });

  it('returns every diagnostic of a bad script, with positions, and deploys nothing', async () => {
    const client = await CepheusClient.connect(url, { token: TOKEN });
    const error = await client.deploy(`${STREAMS}\nCREATE STREAM x AS SELECT card, amout FROM Txn WHERE amount > 'a';\nCREATE STREAM y AS SELECT * FROM Nope;`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CepheusError);
    expect((error as CepheusError).code).toBe('invalid_script');
    const diagnostics = (error as CepheusError).diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
    expect(diagnostics).toEqual(['CQL2002 3:33', 'CQL2020 3:61', 'CQL2001 4:34']);
    expect((error as CepheusError).diagnostics.some((d) => d.hint?.includes('amount'))).toBe(true);
    expect((await client.list()).streams.map((s) => s.name)).toEqual(['_rejected']);
    await client.close();
  });

  it('ends subscriptions to streams that are undeployed, or dropped and made again, with complete', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const client = await CepheusClient.connect(s.url.replace('http', 'ws'));
    const script = "CREATE STREAM Gone (k STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM gone_out AS SELECT k FROM Gone;";
    const first = await client.deploy(script);
    const ended: string[] = [];
    const got: unknown[] = [];
    await client.subscribe('gone_out', (e) => got.push(e.data), { onComplete: () => ended.push('gone_out') });
    await client.subscribe('Gone', (e) => got.push(e.data), { onComplete: () => ended.push('Gone') });
    await client.publish('Gone', { k: 'a', ts: 1 });
    await until(() => got.length === 2);
    await client.undeploy(first.deployment);
    await until(() => ended.length === 2);
    expect(ended.sort()).toEqual(['Gone', 'gone_out']);
    // Made again under the same names: other streams, which the ended subscriptions do not see.
    await client.deploy(script);
    const kept: string[] = [];
    await client.subscribe('Gone', () => {}, { onComplete: () => kept.push('Gone') });
    await client.deploy("DROP STREAM gone_out;\nCREATE STREAM gone_out AS SELECT UPPER(k) AS k FROM Gone;");
    await client.publish('Gone', { k: 'b', ts: 2 });
    expect((await client.list()).queries.map((q) => q.name)).toEqual(['gone_out']);
    expect(got).toHaveLength(2);
    // A deployment that dropped another stream ends only the subscriptions to that one.
    expect(kept).toEqual([]);
    await client.close();
    await s.close();
  });

  it('lists queries with live counters and streams with schemas, explains a query, reports stats', async () => {
    const client = await CepheusClient.connect(url, { token: TOKEN });
    const { deployment } = await client.deploy(`${STREAMS}\n${QUERIES}`);
    // The server's engine is shared by these tests: times after the first test's sentinel.
    await client.publish('Txn', [
      { card: 'a', amount: 0.5, ts: LATER + 1000 },
      { card: 'a', amount: 950, ts: LATER + 2000 },
    ]);
    const list = await client.list();
    expect(list.queries.map((q) => [q.name, q.kind, q.outputs])).toEqual([
      ['card_testing', 'pattern', 1],
      ['per_card', 'aggregate', 0],
      ['big', 'filter', 1],
    ]);
    expect(list.streams.find((s) => s.name === 'Txn')?.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['card STRING', 'amount DOUBLE', 'merchant STRING', 'ts TIMESTAMP']);
    expect(await client.explain({ name: 'card_testing' })).toContain('partition by: Txn.card');
    expect(await client.explain({ name: 'per_card' })).toContain('TUMBLING 1 MINUTES');
    const stats = await client.stats();
    expect(stats['eventsIn']).toBeGreaterThanOrEqual(2);
    await client.undeploy(deployment);
    await client.close();
  });

  it('refuses a missing or wrong token, and keeps read-only tokens read-only', async () => {
    await expect(CepheusClient.connect(url)).rejects.toThrow(/4401/);
    await expect(CepheusClient.connect(url, { token: 'wrong' })).rejects.toThrow(/4401/);
    // A wrong token in the header is refused at the upgrade, with HTTP 401.
    const refused = await new Promise<number>((r) => {
      const ws = new WebSocket(url, SUBPROTOCOL, { headers: { authorization: 'Bearer nope' } });
      ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      ws.on('error', () => r(-1));
    });
    expect(refused).toBe(401);
    // The right one in the header needs no token in connection_init.
    const header = await raw({ authorization: `Bearer ${TOKEN}` });
    header.ws.send(JSON.stringify({ type: 'connection_init' }));
    await until(() => header.messages.length > 0);
    expect(header.messages[0]).toMatchObject({ type: 'connection_ack', payload: { readOnly: false } });
    header.ws.close();

    const reader = await CepheusClient.connect(url, { token: READ_TOKEN });
    expect(reader.readOnly).toBe(true);
    await expect(reader.deploy(STREAMS)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/read-only/) });
    await expect(reader.publish('Txn', { card: 'a', ts: 1 })).rejects.toThrow(/read-only/);
    const stop = await reader.subscribe('_rejected', () => {});
    await stop();
    await reader.close();
  });

  it('answers bad frames with errors and keeps the connection', async () => {
    const c = await raw();
    c.ws.send(JSON.stringify({ type: 'list', id: '1' })); // before connection_init
    expect((await c.closed).code).toBe(CloseCode.BadRequest);

    // Another subprotocol is refused at the upgrade (HTTP 400); none is closed with 4400.
    const other = await new Promise<number>((r) => {
      const ws = new WebSocket(url, 'graphql-ws');
      ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      ws.on('error', () => r(-1));
    });
    expect(other).toBe(400);
    const none = new WebSocket(url);
    expect(await new Promise<number>((r) => none.on('close', (code) => r(code)))).toBe(CloseCode.BadRequest);

    const d = await raw();
    d.ws.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    d.ws.send('{not json');
    d.ws.send(JSON.stringify([1, 2]));
    d.ws.send(JSON.stringify({ type: 'frobnicate', id: 'f1' }));
    d.ws.send(JSON.stringify({ type: 'deploy', id: 'd1', payload: { script: 42 } }));
    d.ws.send(JSON.stringify({ type: 'subscribe', id: 's1', payload: { stream: 'Nope' } }));
    d.ws.send(JSON.stringify({ type: 'publish', id: 'p1', payload: { stream: 'Nope', event: { a: 1 } } }));
    d.ws.send(JSON.stringify({ type: 'list' }));
    d.ws.send(JSON.stringify({ type: 'ping', payload: { n: 1 } }));
    await until(() => d.messages.length >= 9);
    expect(d.messages.map((m) => { const x = m as { type: string; id?: string; payload?: { code?: string } }; return `${x.type}${x.id ? ` ${x.id}` : ''}${x.type === 'error' ? ` ${String(x.payload?.code)}` : ''}`; })).toEqual([
      'connection_ack',
      'error bad_request',
      'error bad_request',
      'error f1 bad_request',
      'error d1 bad_request',
      'error s1 not_found',
      'result p1',
      'error bad_request',
      'pong',
    ]);
    // An unknown stream is an event rejected (counted, on _rejected), not a protocol error.
    expect(d.messages[6]).toMatchObject({ payload: { accepted: 0, rejected: 1 } });
    d.ws.send(JSON.stringify({ type: 'connection_init' }));
    expect((await d.closed).code).toBe(CloseCode.TooManyInitRequests);

    const big = await raw();
    big.ws.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    big.ws.send('x'.repeat(300 * 1024));
    expect((await big.closed).code).toBe(CloseCode.MessageTooBig);
  });

  it('a slow consumer that stops reading loses messages (counted) while another receives everything', async () => {
    const client = await CepheusClient.connect(url, { token: TOKEN });
    const { deployment } = await client.deploy(
      "CREATE STREAM Blob (n INT, pad STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM echo AS SELECT n, pad FROM Blob;",
    );
    const slow = await raw();
    slow.ws.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    slow.ws.send(JSON.stringify({ type: 'subscribe', id: 'slow', payload: { stream: 'echo', policy: 'drop', queue: 50 } }));
    const closer = await raw();
    closer.ws.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    closer.ws.send(JSON.stringify({ type: 'subscribe', id: 'c', payload: { stream: 'echo', policy: 'close', queue: 50 } }));
    await until(() => slow.messages.length >= 2 && closer.messages.length >= 2);
    // Both stop reading: the kernel's buffers fill and the server's writes stop completing.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    (closer.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const fast: number[] = [];
    await client.subscribe('echo', (e) => fast.push(e.data['n'] as number));
    const pad = 'x'.repeat(2000);
    const total = 6000;
    for (let i = 0; i < total; i += 100) {
      await client.publish('Blob', Array.from({ length: 100 }, (_, k) => ({ n: i + k, pad, ts: LATER + 10_000 + i + k })));
    }
    await until(() => fast.length === total, 20_000);
    expect(fast).toEqual(Array.from({ length: total }, (_, i) => i));
    expect((await client.stats())['dropped']).toBeGreaterThan(0);
    // Policy close: the connection was closed with 4509.
    (closer.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await closer.closed).code).toBe(CloseCode.SlowConsumer);
    // Policy drop: once it reads again it catches up and learns how many it missed.
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => slow.messages.some((m) => (m as { type: string }).type === 'dropped'), 10_000);
    const delivered = slow.messages.filter((m) => (m as { type: string }).type === 'next').length;
    const dropped = slow.messages.filter((m) => (m as { type: string }).type === 'dropped').reduce((n: number, m) => n + (m as { payload: { count: number } }).payload.count, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(delivered + dropped).toBeLessThanOrEqual(total);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/cepheus_dropped_messages_total\{policy="drop"\} [1-9]/);
    slow.ws.close();
    await client.undeploy(deployment);
    await client.close();
  }, 30_000);

  it('a subscriber that keeps up receives all of one publish larger than its queue', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const client = await CepheusClient.connect(s.url.replace('http', 'ws'));
    await client.deploy("CREATE STREAM B (i INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    let received = 0;
    let dropped = 0;
    await client.subscribe('B', () => received++, { queue: 100, onDropped: (n) => (dropped += n) });
    await client.publish('B', Array.from({ length: 1000 }, (_, i) => ({ i, ts: i })));
    await until(() => received === 1000);
    expect(dropped).toBe(0);
    await client.close();
    await s.close();
  });

  it('frames every message whole, of any size and any text, in order, many to one write', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const wsUrl = s.url.replace('http', 'ws');
    const client = await CepheusClient.connect(wsUrl);
    await client.deploy("CREATE STREAM Texts (i INT, t STRING, ts TIMESTAMP) WITH (timestamp = 'ts');");
    // Payloads under 126 bytes, up to 65,535 and past it (7-, 16- and 64-bit lengths), with
    // characters past ASCII: two- three- and four-byte UTF-8, a lone surrogate, quotes, NUL.
    const texts = ['', 'é', '日本語', '😀 and 🚀', 'lone \ud800 surrogate', 'quote " backslash \\ nul \u0000', 'x'.repeat(100), 'ü'.repeat(50), 'y'.repeat(300), 'ä'.repeat(20_000), 'z'.repeat(70_000)];
    const events = texts.map((t, i) => ({ i, t, ts: i }));
    const seen: Record<string, unknown>[] = [];
    await client.subscribe('Texts', (e) => seen.push(e.data));
    // And a raw ws socket, with a subscription id past ASCII: ws checks every frame's header and
    // that a text frame holds valid UTF-8, and closes the connection on any fault.
    const r = await raw({}, wsUrl);
    r.ws.send(JSON.stringify({ type: 'connection_init' }));
    r.ws.send(JSON.stringify({ type: 'subscribe', id: 'sübscription ✓', payload: { stream: 'Texts' } }));
    await until(() => r.messages.length === 2);
    // One publish: every output of it leaves in the same turn, so in one write per connection.
    await client.publish('Texts', events);
    await until(() => seen.length === texts.length && r.messages.length === 2 + texts.length);
    expect(seen.map((e) => e['i'])).toEqual(events.map((e) => e.i));
    expect(seen.map((e) => e['t'])).toEqual(texts);
    const nexts = r.messages.slice(2) as { type: string; id: string; payload: { data: { t: string } } }[];
    expect(nexts.map((m) => m.type)).toEqual(texts.map(() => 'next'));
    expect(nexts.map((m) => m.id)).toEqual(texts.map(() => 'sübscription ✓'));
    expect(nexts.map((m) => m.payload.data.t)).toEqual(texts);
    r.ws.close();
    await client.close();
    await s.close();
  });

  it('answers the requests that came in the same read as the client\'s close frame before closing', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const { port } = new URL(s.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${SUBPROTOCOL}\r\n\r\n`);
    // A client frame, masked with the key 0 (allowed: the payload is unchanged).
    const frame = (opcode: number, payload: Buffer): Buffer => {
      if (payload.length >= 126) throw new Error('short frames only');
      return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
    };
    const text = (m: object): Buffer => frame(1, Buffer.from(JSON.stringify(m)));
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    await until(() => received.includes('\r\n\r\n'));
    socket.write(text({ type: 'connection_init' }));
    await until(() => received.includes('connection_ack'));
    // Two requests and the close frame, in one write: read by the server in one go.
    socket.write(Buffer.concat([text({ type: 'list', id: 'l1' }), text({ type: 'stats', id: 's1' }), frame(8, Buffer.from([0x03, 0xe8]))]));
    await new Promise<void>((r) => socket.once('close', () => r()));
    // The server's frames: unmasked, short or 16-bit lengths here.
    const frames: { opcode: number; payload: string }[] = [];
    let at = received.indexOf('\r\n\r\n') + 4;
    while (at < received.length) {
      let n = received[at + 1]! & 0x7f;
      let h = 2;
      if (n === 126) {
        n = received.readUInt16BE(at + 2);
        h = 4;
      }
      frames.push({ opcode: received[at]! & 0x0f, payload: received.subarray(at + h, at + h + n).toString() });
      at += h + n;
    }
    const ids = frames.filter((f) => f.opcode === 1).map((f) => (JSON.parse(f.payload) as { id?: string }).id);
    expect(ids).toEqual([undefined, 'l1', 's1']);
    expect(frames.at(-1)!.opcode).toBe(8);
    await s.close();
  });

  it("a callback of the user's that throws is reported apart, and the connection goes on reading", async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const thrown: unknown[] = [];
    const client = await CepheusClient.connect(s.url, { onCallbackError: (e) => thrown.push(e) });
    await client.deploy("CREATE STREAM S (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM T (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const seen: number[] = [];
    await client.subscribe('S', (e) => {
      seen.push(e.data['v'] as number);
      if (e.data['v'] === 1) throw new Error('onEvent bug');
    });
    const stopT = await client.subscribe('T', () => {}, {
      onComplete: () => {
        throw new Error('onComplete bug');
      },
    });
    client.onError = () => {
      throw new Error('onError bug');
    };
    // Both events of one publish arrive in one read: the second is delivered after the first threw.
    await client.publish('S', [{ v: 1, ts: 1 }, { v: 2, ts: 2 }]);
    await client.publish('S', { v: 3, ts: 3 });
    await until(() => seen.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    client.publish('Nope', { v: 1 }, { ack: false }); // answered with an error without an id: onError
    await stopT();
    await until(() => thrown.length === 3);
    client.onClose = () => {
      throw new Error('onClose bug');
    };
    await client.close();
    expect(thrown.map((e) => (e as Error).message).sort()).toEqual(['onClose bug', 'onComplete bug', 'onError bug', 'onEvent bug']);
    await s.close();
    // Without onCallbackError, what a callback throws is an uncaught exception of its own (here
    // kept by a handler), and the connection still delivers the next events and answers.
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { CepheusClient, Engine } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
import { CepheusServer } from ${JSON.stringify(join(ROOT, 'dist/server/server.js'))};
const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
const c = await CepheusClient.connect(s.url);
await c.deploy("CREATE STREAM S (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
const uncaught = [];
process.on('uncaughtException', (e) => uncaught.push(e.message));
const seen = [];
await c.subscribe('S', (e) => { seen.push(e.data.v); if (e.data.v === 1) throw new Error('user bug'); });
// And a client whose onCallbackError throws too.
const c2 = await CepheusClient.connect(s.url, { onCallbackError: (e) => { throw new Error('reporter: ' + e.message); } });
const seen2 = [];
await c2.subscribe('S', (e) => { seen2.push(e.data.v); if (e.data.v === 2) throw new Error('second bug'); });
await c.publish('S', [{ v: 1, ts: 1 }, { v: 2, ts: 2 }]);
await c.publish('S', { v: 3, ts: 3 });
while (seen.length < 3 || seen2.length < 3) await new Promise((r) => setTimeout(r, 10));
await c.list();
await c2.list();
console.log(JSON.stringify({ seen, seen2, uncaught: uncaught.sort() }));
await c.close();
await c2.close();
await s.close();`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ seen: [1, 2, 3], seen2: [1, 2, 3], uncaught: ['reporter: second bug', 'user bug'] });
  });

  it('limits connections and subscriptions per connection', async () => {
    const small = await CepheusServer.start({ engine: new Engine(), port: 0, maxConnections: 2, maxSubscriptions: 2 });
    const a = await CepheusClient.connect(small.url);
    const b = await CepheusClient.connect(small.url);
    const refused = await new Promise<number>((r) => {
      const ws = new WebSocket(small.url.replace('http', 'ws'), SUBPROTOCOL);
      ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      ws.on('error', () => r(-1));
    });
    expect(refused).toBe(503);
    await a.subscribe('_rejected', () => {});
    await a.subscribe('_rejected', () => {});
    await expect(a.subscribe('_rejected', () => {})).rejects.toMatchObject({ code: 'limit', message: expect.stringMatching(/at most 2 subscriptions/) });
    await a.close();
    await b.close();
    await small.close();
  });

  it('takes each publisher as an input of its own (section 3): the watermark is the least of theirs, and a silent one goes idle', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0, inputIdleMs: 300 });
    const wsUrl = s.url.replace('http', 'ws');
    const admin = await CepheusClient.connect(wsUrl);
    await admin.deploy("CREATE STREAM E (src STRING, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM seen AS SELECT src, ts FROM E;");
    const seen: string[] = [];
    const rejected: unknown[] = [];
    await admin.subscribe('seen', (e) => seen.push(`${String(e.data['src'])}@${e.time}`));
    await admin.subscribe('_rejected', (e) => rejected.push(e.data));
    const a = await CepheusClient.connect(wsUrl);
    const b = await CepheusClient.connect(wsUrl);
    await a.publish('E', { src: 'A', ts: 1000 });
    await b.publish('E', { src: 'B', ts: 1000 });
    await a.publish('E', { src: 'A', ts: 10_000 });
    // B is behind A, not late: the watermark is the least of the two publishers' times.
    expect(await b.publish('E', { src: 'B', ts: 5000 })).toEqual({ accepted: 1, rejected: 0 });
    await until(() => seen.length === 3);
    expect(seen).toEqual(['A@1000', 'B@1000', 'B@5000']);
    // A's event at 10,000 waits for B, until B has been silent for inputIdleMs.
    await until(() => seen.length === 4, 3000);
    expect(seen[3]).toBe('A@10000');
    expect(rejected).toEqual([]);
    await Promise.all([a.close(), b.close(), admin.close()]);
    await s.close();
  });

  it('refuses publishes while maxWaiting events wait for a publisher behind, and takes them again once it moves', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0, inputIdleMs: 60_000, maxWaiting: 3 });
    const wsUrl = s.url.replace('http', 'ws');
    const admin = await CepheusClient.connect(wsUrl);
    await admin.deploy("CREATE STREAM E (src STRING, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const behind = await CepheusClient.connect(wsUrl);
    const ahead = await CepheusClient.connect(wsUrl);
    await behind.publish('E', { src: 'behind', ts: 10 });
    for (let i = 0; i < 3; i++) await ahead.publish('E', { src: 'ahead', ts: 1000 + i });
    await expect(ahead.publish('E', { src: 'ahead', ts: 2000 })).rejects.toMatchObject({ code: 'busy', message: expect.stringMatching(/3 events wait for the watermark/) });
    await behind.publish('E', { src: 'behind', ts: 5000 });
    expect(await ahead.publish('E', { src: 'ahead', ts: 2000 })).toEqual({ accepted: 1, rejected: 0 });
    await Promise.all([behind.close(), ahead.close(), admin.close()]);
    await s.close();
  });

  it('refuses connections without a token past maxUnauthenticated, while clients with one still get in', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0, tokens: ['t0k'], maxUnauthenticated: 2 });
    const wsUrl = s.url.replace('http', 'ws');
    const open = (headers: Record<string, string> = {}) =>
      new Promise<WebSocket | number>((r) => {
        const ws = new WebSocket(wsUrl, SUBPROTOCOL, { headers });
        ws.on('open', () => r(ws));
        ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
      });
    const waiting = [await open(), await open()];
    expect(waiting.every((w) => w instanceof WebSocket)).toBe(true);
    expect(await open()).toBe(503);
    const withToken = await open({ authorization: 'Bearer t0k' });
    expect(withToken).toBeInstanceOf(WebSocket);
    for (const w of [...waiting, withToken]) (w as WebSocket).terminate();
    await s.close();
  });

  it('closes, with 4509, a connection that sends requests and does not read the replies', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0, maxBufferedBytes: 256 * 1024 });
    const { ws, closed } = await (async () => {
      const socket = new WebSocket(s.url.replace('http', 'ws'), SUBPROTOCOL);
      const done = new Promise<{ code: number }>((r) => socket.on('close', (code) => r({ code })));
      await new Promise((r) => socket.once('open', r));
      return { ws: socket, closed: done };
    })();
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((r) => setTimeout(r, 50));
    // Stop reading; ask for 100 KB answers until the server gives up on the connection.
    (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const payload = 'x'.repeat(100_000);
    for (let i = 0; i < 300; i++) ws.send(JSON.stringify({ type: 'ping', payload }));
    await new Promise((r) => setTimeout(r, 500));
    (ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await closed).code).toBe(CloseCode.SlowConsumer);
    await s.close();
  });

  it('publishes without acknowledgement: the outputs arrive, nothing comes back but what went wrong', async () => {
    const own = await CepheusServer.start({ engine: new Engine(), port: 0, publishRate: 50, tokens: [TOKEN], readOnlyTokens: [READ_TOKEN] });
    const ownUrl = own.url.replace('http', 'ws');
    const client = await CepheusClient.connect(ownUrl, { token: TOKEN });
    await client.deploy("CREATE STREAM S (v INT NOT NULL, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM odd AS SELECT v FROM S WHERE v % 2 = 1;");
    const odd: number[] = [];
    await client.subscribe('odd', (e) => odd.push(e.data['v'] as number));
    const errors: CepheusError[] = [];
    client.onError = (e) => errors.push(e);
    // One at a time and as a batch, through the client.
    for (let v = 0; v < 10; v++) expect(client.publish('S', { v, ts: v }, { ack: false })).toBeUndefined();
    client.publish('S', [{ v: 11, ts: 11 }, { v: 'eleven', ts: 12 }, { ts: 13 }], { ack: false });
    await client.list(); // a round trip: the publishes before it are done
    expect(odd).toEqual([1, 3, 5, 7, 9, 11]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.rejected).toBe(2);
    expect(errors[0]!.code).toBe('rejected');
    // The last rejected event is the one without v.
    expect(errors[0]!.message).toMatch(/publish to 'S': 2 of 3 events rejected \(the last: [^)]*\bv\b[^)]*\); each is on _rejected/);
    expect(errors[0]!.message).not.toMatch(/eleven/);
    // Errors of requests with an id go to their promise, not to onError.
    await expect(client.publish('S', { v: 'x', ts: 14 })).resolves.toEqual({ accepted: 0, rejected: 1 });
    await expect(client.undeploy('nope')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no query/) });
    // A deployment another one reads cannot go first.
    await client.deploy('CREATE STREAM odd2 AS SELECT v FROM odd;');
    await expect(client.undeploy('odd')).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/another deployment\) reads/) });
    await expect(client.undeploy(999)).rejects.toMatchObject({ code: 'not_found' });
    expect(errors).toHaveLength(1);

    // On the wire: no result for a publish without an id; refusals are errors without one.
    const c = await raw({}, ownUrl);
    c.ws.send(JSON.stringify({ type: 'connection_init', payload: { token: TOKEN } }));
    c.ws.send(JSON.stringify({ type: 'publish', payload: { stream: 'S', event: { v: 21, ts: 21 } } }));
    c.ws.send(JSON.stringify({ type: 'publish', payload: { event: { v: 22, ts: 22 } } }));
    c.ws.send(JSON.stringify({ type: 'publish', payload: { stream: 'S', events: Array.from({ length: 51 }, (_, i) => ({ v: i, ts: 30 })) } }));
    c.ws.send(JSON.stringify({ type: 'ping', payload: 'last' }));
    await until(() => c.messages.length >= 4);
    expect(c.messages).toEqual([
      { type: 'connection_ack', payload: { server: 'cepheus', readOnly: false } },
      { type: 'error', payload: { code: 'bad_request', message: 'publish needs payload.stream' } },
      { type: 'error', payload: { code: 'rate_limited', message: expect.stringMatching(/^rate limit: at most 50 events per second per connection; 51 refused/) } },
      { type: 'pong', payload: 'last' },
    ]);
    // Each publisher is an input (section 3): the first one moving past 21 lets 21 through.
    await client.publish('S', { v: 100, ts: 100 });
    await until(() => odd.length === 7);
    expect(odd[6]).toBe(21);
    c.ws.close();

    // A read-only connection may not publish this way either.
    const reader = await CepheusClient.connect(ownUrl, { token: READ_TOKEN });
    const refused: CepheusError[] = [];
    reader.onError = (e) => refused.push(e);
    reader.publish('S', { v: 41, ts: 41 }, { ack: false });
    await until(() => refused.length === 1);
    expect(refused[0]!.message).toMatch(/read-only/);
    expect(refused[0]!.code).toBe('forbidden');
    expect(refused[0]!.rejected).toBeUndefined();
    await reader.close();
    // Once closing, a publish without acknowledgement throws rather than vanish.
    const closing = client.close();
    expect(() => client.publish('S', { v: 51, ts: 200 }, { ack: false })).toThrow(/connection clos/);
    await closing;
    expect(() => client.publish('S', { v: 53, ts: 201 }, { ack: false })).toThrow(/connection closed: 1000/);
    expect(odd).not.toContain(41);
    await own.close();
  });

  it('limits the publish rate per connection', async () => {
    const limited = await CepheusServer.start({ engine: new Engine(), port: 0, publishRate: 100 });
    const client = await CepheusClient.connect(limited.url);
    await client.deploy("CREATE STREAM S (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    await expect(client.publish('S', Array.from({ length: 101 }, (_, i) => ({ v: i, ts: i })))).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/rate limit/) });
    await expect(client.publish('S', Array.from({ length: 100 }, (_, i) => ({ v: i, ts: i })))).resolves.toEqual({ accepted: 100, rejected: 0 });
    await client.close();
    await limited.close();
  });
});

describe('cepheus serve: HTTP endpoints and shutdown', () => {
  it('serves /healthz, /metrics and the console', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['cepheus_events_in_total', 'cepheus_rejected_total', 'cepheus_runs_alive', 'cepheus_clients_connected', 'cepheus_query_latency_seconds']) {
      expect(metrics).toContain(`# TYPE ${name}`);
    }
    expect(metrics).toMatch(/^cepheus_memory_full 0$/m);
    // Counts named `_total` are counters, as Prometheus names them.
    for (const name of [...metrics.matchAll(/^# TYPE (cepheus_\w+_total) (\w+)$/gm)]) expect(name[2], name[1]).toBe('counter');
    expect(metrics).toMatch(/^cepheus_memory_drops_total 0$/m);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/../../package.json`)).status).toBe(404);
    const client = await fetch(`${server.url}/client.js`);
    expect(await client.text()).toContain('class CepheusClient');
  });

  it('counts the events published per stream and times each output from its publish, in seconds', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const client = await CepheusClient.connect(s.url);
    await client.deploy("CREATE STREAM S (v INT, ts TIMESTAMP) WITH (timestamp = 'ts');\nCREATE STREAM Big AS SELECT v FROM S WHERE v > 1;");
    await client.publish('S', [{ v: 1, ts: 1 }, { v: 2, ts: 2 }]);
    await client.publish('S', { v: 3, ts: 3 });
    await client.publish('Nope', { v: 3, ts: 3 });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^cepheus_events_in_total\{stream="S"\} 3$/m);
    // A stream that does not exist gets no series of its own.
    expect(metrics).toMatch(/^cepheus_events_in_total\{stream="\(unknown\)"\} 1$/m);
    expect(metrics).toMatch(/^cepheus_query_latency_seconds_count\{query="Big"\} 2$/m);
    const sum = Number(/^cepheus_query_latency_seconds_sum\{query="Big"\} (\S+)$/m.exec(metrics)?.[1]);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1);
    // Buckets are cumulative, in the order of their bounds, and end with every output.
    const buckets = [...metrics.matchAll(/^cepheus_query_latency_seconds_bucket\{le="([^"]+)",query="Big"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(buckets.map(([le]) => le)).toEqual(['0.00001', '0.000025', '0.00005', '0.0001', '0.00025', '0.0005', '0.001', '0.0025', '0.005', '0.01', '0.05', '+Inf']);
    expect(buckets.every(([, n], i) => i === 0 || n >= buckets[i - 1]![1])).toBe(true);
    expect(buckets.at(-1)![1]).toBe(2);
    await client.close();
    await s.close();
  });

  it('shuts down gracefully: unhealthy, clients closed with 1001, no new connections', async () => {
    const s = await CepheusServer.start({ engine: new Engine(), port: 0 });
    const at = s.url;
    const client = await CepheusClient.connect(at);
    const closed = new Promise<number>((r) => (client.onClose = (code) => r(code)));
    await s.close();
    expect(await closed).toBe(CloseCode.GoingAway);
    await expect(fetch(`${at}/healthz`)).rejects.toThrow();
  });
});
