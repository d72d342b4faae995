/**
 * `cepheus serve`: the engine as a service (src/server/server.ts, docs/protocol.md).
 *
 *     cepheus serve [--port N] [--host H] [--queries DIR|FILE]... [--token T | --tokens-file F]
 *                   [--read-only-token T] [--lateness DURATION] [--publish-rate N]
 *                   [--kafka-brokers H:P,...] [--kafka-group G] [--kafka-client-id ID] [--kafka-config FILE]
 *                   [--exactly-once] [--checkpoint-interval DURATION] [--demo] [--demo-rate N] [--demo-speed K]
 *
 * `--queries` deploys scripts at start, each file as one deployment, in the order given (a
 * folder stands for its .cql files in name order); any error stops the start with every
 * diagnostic. With `--kafka-brokers` (or CEPHEUS_KAFKA_BROKERS, or a `--kafka-config` file; see
 * src/cli/kafka-config.ts), streams declared with
 * `source = 'kafka'` are fed from their topics and outputs with `sink = 'kafka'` written to
 * theirs (src/connect/kafka-connector.ts). `--demo` feeds the engine generated card transactions, account events, trades,
 * orders and news with injected fraud and market scenarios, live: its event time starts at the
 * wall clock and runs `--demo-speed` times faster (default 10), so that a minute's window closes
 * every six seconds and a newcomer sees alerts within seconds. SIGTERM and SIGINT shut the
 * server down gracefully.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Engine, renderDiagnostic } from '../index.js';
import { KafkaConnector } from '../connect/kafka-connector.js';
import { kafkaConfig, type KafkaConfig } from './kafka-config.js';
import { DemoGenerator } from '../demo/generator.js';
import { kafkajsClient } from '../io/kafka.js';
import { CepheusServer } from '../server/server.js';
import { expandPaths } from './paths.js';
import type { Io } from './io.js';
import { parseDuration } from './run.js';

export const SERVE_USAGE =
  'usage: cepheus serve [--port N] [--host H] [--queries DIR|FILE]... [--token T | --tokens-file F] [--read-only-token T] [--lateness DURATION] [--publish-rate N] [--kafka-brokers H:P,...] [--kafka-group G] [--kafka-client-id ID] [--kafka-config FILE] [--exactly-once] [--checkpoint-interval DURATION] [--demo] [--demo-rate N] [--demo-speed K]\n';

/**
 * Tokens from a file: one per line, `read ` before a read-only one; a line that starts with `#`
 * is a comment (a `#` inside a token is part of it).
 */
export function readTokens(text: string): { full: string[]; read: string[] } {
  const full: string[] = [];
  const read: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(full|read)\s+(\S+)$/.exec(line);
    if (m) (m[1] === 'read' ? read : full).push(m[2]!);
    else full.push(line);
  }
  return { full, read };
}

export async function serve(args: readonly string[], io: Io, signals = true): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        queries: { type: 'string', short: 'q', multiple: true },
        token: { type: 'string' },
        'tokens-file': { type: 'string' },
        'read-only-token': { type: 'string', multiple: true },
        lateness: { type: 'string' },
        'publish-rate': { type: 'string' },
        'kafka-brokers': { type: 'string' },
        'kafka-group': { type: 'string' },
        'kafka-client-id': { type: 'string' },
        'kafka-config': { type: 'string' },
        'exactly-once': { type: 'boolean' },
        'checkpoint-interval': { type: 'string' },
        demo: { type: 'boolean' },
        'demo-rate': { type: 'string' },
        'demo-speed': { type: 'string' },
      },
      allowPositionals: false,
    });
  } catch (e) {
    io.err(`cepheus serve: ${(e as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  const v = parsed.values;
  const port = v.port === undefined ? 8080 : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`cepheus serve: --port takes a port number, not '${v.port}'\n`);
    return 2;
  }
  let config: KafkaConfig;
  try {
    config = kafkaConfig({ brokers: v['kafka-brokers'], group: v['kafka-group'], clientId: v['kafka-client-id'], config: v['kafka-config'], exactlyOnce: v['exactly-once'], checkpointInterval: v['checkpoint-interval'] });
  } catch (e) {
    io.err(`cepheus serve: ${(e as Error).message}\n`);
    return 2;
  }
  const lateness = v.lateness === undefined ? 0 : parseDuration(v.lateness);
  if (lateness === undefined) {
    io.err(`cepheus serve: --lateness takes a duration such as 500ms, 5s or 2m, not '${v.lateness}'\n`);
    return 2;
  }
  const rate = v['demo-rate'] === undefined ? 100 : Number(v['demo-rate']);
  if (!Number.isFinite(rate) || rate <= 0) {
    io.err(`cepheus serve: --demo-rate takes events per second of event time, not '${v['demo-rate']}'\n`);
    return 2;
  }
  const publishRate = v['publish-rate'] === undefined ? undefined : Number(v['publish-rate']);
  if (publishRate !== undefined && (!Number.isFinite(publishRate) || publishRate <= 0)) {
    io.err(`cepheus serve: --publish-rate takes events per second per connection, not '${v['publish-rate']}'\n`);
    return 2;
  }
  const speed = v['demo-speed'] === undefined ? 10 : Number(v['demo-speed']);
  if (!Number.isFinite(speed) || speed <= 0 || speed > 1000) {
    io.err(`cepheus serve: --demo-speed takes a factor from 0 to 1000, not '${v['demo-speed']}'\n`);
    return 2;
  }
  if (v.token !== undefined && v['tokens-file'] !== undefined) {
    io.err('cepheus serve: give --token or --tokens-file, not both\n');
    return 2;
  }
  let tokens: { full: string[]; read: string[] } = { full: v.token === undefined ? [] : [v.token], read: [...(v['read-only-token'] ?? [])] };
  if (v['tokens-file'] !== undefined) {
    try {
      const fromFile = readTokens(readFileSync(v['tokens-file'], 'utf8'));
      tokens = { full: fromFile.full, read: [...fromFile.read, ...tokens.read] };
    } catch (e) {
      io.err(`cepheus serve: cannot read ${v['tokens-file']}: ${(e as Error).message}\n`);
      return 2;
    }
    // A file meant to turn authentication on must not leave the server open.
    if (tokens.full.length === 0 && tokens.read.length === 0) {
      io.err(`cepheus serve: ${v['tokens-file']} holds no token\n`);
      return 2;
    }
  }
  if ([...tokens.full, ...tokens.read].some((t) => t.trim() === '')) {
    io.err('cepheus serve: a token cannot be empty\n');
    return 2;
  }

  const engine = new Engine({ lateness });
  let files: string[];
  try {
    files = expandPaths(v.queries ?? []);
  } catch (e) {
    io.err(`cepheus serve: ${(e as Error).message}\n`);
    return 2;
  }
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const r = engine.deploy(source, { file });
    if (!r.ok) {
      for (const d of r.diagnostics) io.err(`${renderDiagnostic(d, source)}\n\n`);
      io.err(`cepheus serve: ${r.diagnostics.length} error(s) in ${file}: not started\n`);
      return 1;
    }
  }

  let server: CepheusServer;
  try {
    server = await CepheusServer.start({ engine, port, host: v.host ?? '127.0.0.1', tokens: tokens.full, readOnlyTokens: tokens.read, ...(publishRate ? { publishRate } : {}), log: (line) => io.err(`${line}\n`) });
  } catch (e) {
    io.err(`cepheus serve: cannot listen on ${v.host ?? '127.0.0.1'}:${port}: ${(e as Error).message}\n`);
    return 1;
  }
  // A connector name the server does not know, or Kafka without brokers, would lose a stream's
  // events or outputs in silence (custom connectors are wired in code, not named in scripts).
  for (const c of engine.connectorOptions()) {
    const name = c.options[c.role];
    if (name === undefined) continue;
    if (name !== 'kafka') io.err(`cepheus serve: warning: ${c.stream} has ${c.role} = '${String(name)}': this server connects only 'kafka'\n`);
    else if (!config) io.err(`cepheus serve: warning: ${c.stream} has ${c.role} = 'kafka', but no Kafka brokers are configured (--kafka-brokers): it is not ${c.role === 'source' ? 'read' : 'written'}\n`);
  }
  const queries = engine.queries().length;
  io.err(`cepheus serve: ${queries} quer${queries === 1 ? 'y' : 'ies'} deployed from ${files.length} file(s); console at ${server.url}/ , WebSocket at ${server.url.replace(/^http/, 'ws')}/${server.secured ? ' (token required)' : ''}\n`);

  let demo: NodeJS.Timeout | undefined;
  if (v.demo) {
    // Event time starts at the wall clock and runs `speed` times faster; each event is
    // released when its time comes.
    const wallStart = Date.now();
    const generator = new DemoGenerator({ seed: wallStart % 1_000_000, start: wallStart, eventsPerSecond: rate });
    let pending = generator.next();
    demo = setInterval(() => {
      const now = wallStart + (Date.now() - wallStart) * speed;
      const batch = new Map<string, unknown[]>();
      for (let n = 0; n < rate * speed && (pending.data['ts'] as number) <= now; n++) {
        const list = batch.get(pending.stream) ?? [];
        list.push(pending.data);
        batch.set(pending.stream, list);
        pending = generator.next();
      }
      for (const [stream, events] of batch) server.publish(stream, events);
    }, 50);
    io.err(`cepheus serve: demo data, ${rate} events per second of event time at ${speed}× speed, with injected fraud and market scenarios\n`);
  }

  // Signals are taken from here on, while the Kafka connector starts too (joining a group or
  // retrying unreachable brokers can take a while): clients are then closed with 1001 as at
  // any other time, not cut off by the default action.
  let signalled: ((signal: string) => void) | undefined;
  let pendingSignal: string | undefined;
  // The first signal shuts down; another of the same kind gets the default action (the
  // handlers are `once`), one of the other kind is ignored.
  const onSignal = (signal: string): void => {
    if (pendingSignal !== undefined) return;
    pendingSignal = signal;
    signalled?.(signal);
  };
  const onTerm = () => onSignal('SIGTERM');
  const onInt = () => onSignal('SIGINT');
  if (signals) {
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  }
  const releaseSignals = (): void => {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  };

  let kafka: KafkaConnector | undefined;
  if (config) {
    const starting = KafkaConnector.start(engine, kafkajsClient(config.settings), { ...config.options, log: (line) => io.err(`cepheus serve: ${line}\n`) });
    // No signal can have come yet: nothing was awaited since the handlers were installed.
    const interrupted = new Promise<string>((resolve) => (signalled = resolve));
    let outcome: KafkaConnector | string;
    try {
      outcome = await Promise.race([starting, interrupted]);
    } catch (e) {
      io.err(`cepheus serve: cannot start the Kafka connector (${config.settings.brokers.join(',')}): ${(e as Error).message}\n`);
      if (demo) clearInterval(demo);
      await server.close();
      releaseSignals();
      return 1;
    } finally {
      signalled = undefined;
    }
    if (typeof outcome === 'string') {
      // Stopped while the connector was still starting: the clients are closed now, and the
      // process exits without waiting for the connector (nothing of it has been committed).
      io.err(`cepheus serve: ${outcome}: shutting down (the Kafka connector had not started)\n`);
      if (demo) clearInterval(demo);
      void starting.then((k) => k.stop()).catch(() => {});
      await server.close();
      releaseSignals();
      if (signals) process.exit(0);
      return 0;
    }
    kafka = outcome;
  }

  return new Promise<number>((resolve) => {
    signalled = (signal: string) => {
      io.err(`cepheus serve: ${signal}: shutting down\n`);
      if (demo) clearInterval(demo);
      void (kafka?.stop() ?? Promise.resolve())
        .catch((e: unknown) => io.err(`cepheus serve: the Kafka connector did not stop cleanly: ${e instanceof Error ? e.message : String(e)}\n`))
        .then(() => server.close())
        .then(() => {
          releaseSignals();
          resolve(0);
        });
    };
    if (pendingSignal !== undefined) signalled(pendingSignal);
  });
}
