/**
 * `cepheus serve` as users start it (the built binary in a child process): the demo of
 * `npm start` — the rules of queries/ with generated live data — streams alerts within seconds;
 * a token protects it; SIGTERM shuts it down gracefully; bad options are refused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CepheusClient, type WireOutputEvent } from '../../src/index.js';
import { CloseCode } from '../../src/client/protocol.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cepheus.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function serve(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((ok, fail) => {
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /console at (http:\/\/[^ /]+)\//.exec(text);
      if (m) ok({ child, url: m[1]!, stderr: () => text, exited });
    });
    void exited.then((code) => fail(new Error(`serve exited with ${code}: ${text}`)));
  });
}

describe('cepheus serve (the binary)', () => {
  it('the demo streams alerts of many rules within seconds, and SIGTERM closes clients with 1001', async () => {
    const s = await serve(['--queries', 'queries', '--demo']);
    expect(s.stderr()).toMatch(/\d+ queries deployed from 25 file\(s\)/);
    const client = await CepheusClient.connect(s.url);
    const { queries } = await client.list();
    expect(queries.length).toBeGreaterThan(20);
    const seen = new Map<string, WireOutputEvent>();
    for (const q of queries) await client.subscribe(q.name, (e) => seen.set(e.stream, e));
    const start = Date.now();
    while (seen.size < 5 && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 100));
    expect([...seen.keys()].length).toBeGreaterThanOrEqual(5);
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/cepheus_events_in_total\{stream="Txn"\} [1-9]/);
    const closed = new Promise<number>((r) => (client.onClose = (code) => r(code)));
    s.child.kill('SIGTERM');
    expect(await closed).toBe(CloseCode.GoingAway);
    expect(await s.exited).toBe(0);
  }, 60_000);

  it('requires the token it was given', async () => {
    const s = await serve(['--token', 'open-sesame']);
    await expect(CepheusClient.connect(s.url)).rejects.toThrow(/4401/);
    const client = await CepheusClient.connect(s.url, { token: 'open-sesame' });
    expect((await client.list()).queries).toEqual([]);
    await client.close();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('SIGTERM while the Kafka connector is still starting (brokers unreachable) closes clients with 1001 and exits', async () => {
    // A port nothing listens on: kafkajs retries the connection for many seconds.
    const closedPort = await new Promise<number>((ok) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => ok(port));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'cepheus-serve-'));
    const script = join(dir, 'kafka.cql');
    writeFileSync(script, "CREATE STREAM Txn (card STRING NOT NULL, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafka', topic = 'txns', key = 'card');\n");
    const s = await serve(['--queries', script, '--kafka-brokers', `127.0.0.1:${closedPort}`]);
    const client = await CepheusClient.connect(s.url);
    const closed = new Promise<number>((r) => (client.onClose = (code) => r(code)));
    const start = Date.now();
    s.child.kill('SIGTERM');
    expect(await closed).toBe(CloseCode.GoingAway);
    expect(await s.exited).toBe(0);
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(s.stderr()).toContain('SIGTERM: shutting down (the Kafka connector had not started)');
  }, 30_000);

  it('refuses bad options and scripts with errors, saying why', () => {
    const bad = spawnSync(process.execPath, [BIN, 'serve', '--port', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port takes a port number');
    const broken = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--queries', join(ROOT, 'test/golden/diagnostics')], { encoding: 'utf8' });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/error\[CQL\d{4}\]/);
    expect(broken.stderr).toContain('not started');
  });

  it('refuses a tokens file without tokens and an empty token, which would leave the server open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cepheus-tokens-'));
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '# no tokens yet\n\n   \n');
    const r = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--tokens-file', empty], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('holds no token');
    const blank = spawnSync(process.execPath, [BIN, 'serve', '--port', '0', '--token', ''], { encoding: 'utf8' });
    expect(blank.status).toBe(2);
    expect(blank.stderr).toContain('a token cannot be empty');
  });

  it('warns of a connector it does not know, and of Kafka without brokers, which would lose events in silence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cepheus-connectors-'));
    const script = join(dir, 'connectors.cql');
    writeFileSync(
      script,
      "CREATE STREAM T (a INT, ts TIMESTAMP) WITH (timestamp = 'ts', source = 'kafak', topic = 't');\nCREATE STREAM o WITH (sink = 'kafka', topic = 'out') AS SELECT a FROM T;\n",
    );
    const s = await serve(['--queries', script]);
    expect(s.stderr()).toContain("warning: T has source = 'kafak': this server connects only 'kafka'");
    expect(s.stderr()).toContain("warning: o has sink = 'kafka', but no Kafka brokers are configured (--kafka-brokers): it is not written");
  });

  it("a tokens file's comments are whole lines: a '#' inside a token is part of it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cepheus-tokens-'));
    const file = join(dir, 'tokens.txt');
    writeFileSync(file, '# the operators\nabc#123\nread r#1\n');
    const s = await serve(['--tokens-file', file]);
    const full = await CepheusClient.connect(s.url, { token: 'abc#123' });
    await full.close();
    await expect(CepheusClient.connect(s.url, { token: 'abc' })).rejects.toThrow();
    const reader = await CepheusClient.connect(s.url, { token: 'r#1' });
    await reader.close();
  });
});
