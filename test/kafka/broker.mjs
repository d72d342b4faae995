// A real single-node Apache Kafka broker (KRaft, broker and controller in one JVM) for the
// Kafka tests. The jars come from Maven Central through test/kafka/pom.xml and are cached in
// test/kafka/.deps/; each broker gets a fresh temp folder, free ports on 127.0.0.1, and is
// gone, data and all, after stop().
//
//   import { startBroker } from './broker.mjs';
//   const broker = await startBroker({ log: console.error });
//   broker.bootstrap;        // '127.0.0.1:40123'
//   await broker.stop();
//
// As a command: `node test/kafka/broker.mjs [--dir PARENT]` prints KAFKA_BROKERS=127.0.0.1:PORT
// on stdout once the broker answers, and stops it on SIGINT or SIGTERM. PARENT defaults to the
// OS temp folder; `--dir test/kafka/.data` keeps the broker's folder in the tree (git-ignored).
//
// Plain Node ESM on purpose (no TypeScript, no npm dependency): broker.d.mts holds the types.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const POM = join(HERE, 'pom.xml');
const DEPS = join(HERE, '.deps');
const HOST = '127.0.0.1';
const MIN_JAVA = 17; // Kafka 4.x brokers need Java 17 or newer.
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

/**
 * Whether this machine can run the broker: a Java 17+ and either cached jars or Maven.
 * Never throws.
 * @returns {Promise<{ ok: true, java: string, javaVersion: string } | { ok: false, reason: string }>}
 */
export async function checkPrerequisites() {
  const java = javaCommand();
  const probe = await run(java, ['-version']).catch((error) => ({ error }));
  if ('error' in probe) {
    return { ok: false, reason: `Java not found (${java}): Kafka 4.x needs Java ${MIN_JAVA}+ on PATH or in JAVA_HOME` };
  }
  const match = /version "([^"]+)"/.exec(probe.stderr + probe.stdout);
  const javaVersion = match?.[1] ?? 'unknown';
  const major = javaMajor(javaVersion);
  if (probe.code !== 0 || major === undefined || major < MIN_JAVA) {
    return { ok: false, reason: `Java ${javaVersion} found (${java}), Kafka 4.x needs Java ${MIN_JAVA} or newer` };
  }
  if (!cachedJars()) {
    const mvn = await run('mvn', ['-v']).catch((error) => ({ error }));
    if ('error' in mvn || mvn.code !== 0) {
      return { ok: false, reason: 'Maven (mvn) not found and test/kafka/.deps/ holds no Kafka jars yet' };
    }
  }
  return { ok: true, java, javaVersion };
}

/**
 * Starts a broker and resolves once it answers a Kafka ApiVersions request.
 * @param {{ dir?: string, log?: (message: string) => void }} [options]
 *   dir: the folder in which the broker's own temp folder is made (default: the OS temp folder);
 *   log: receives progress lines (default: none).
 */
export async function startBroker(options = {}) {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const prerequisites = await checkPrerequisites();
  if (!prerequisites.ok) throw new Error(`cannot start Kafka: ${prerequisites.reason}`);
  const jars = await resolveJars(log);
  const classpath = join(jars, '*');

  const parent = options.dir ?? tmpdir();
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(join(parent, 'cepheus-kafka-'));
  const logFile = join(root, 'broker.log');
  const log4j = join(root, 'log4j2.properties');
  await writeFile(log4j, LOG4J_CONFIG);
  const jvm = ['-Xms128m', '-Xmx512m', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`, '-cp', classpath];

  for (let attempt = 1; ; attempt++) {
    const [port, controllerPort] = await freePorts(2);
    const data = join(root, 'data');
    await rm(data, { recursive: true, force: true });
    const properties = join(root, 'server.properties');
    await writeFile(properties, serverProperties({ port, controllerPort, data }));

    const format = await run(prerequisites.java, [...jvm, 'kafka.tools.StorageTool', 'format', '--config', properties, '--cluster-id', clusterId(), '--standalone']);
    if (format.code !== 0) {
      throw new Error(`Kafka storage format failed (exit ${format.code}); kept ${root}\n${tail(format.stdout + format.stderr)}`);
    }

    log(`starting Kafka on ${HOST}:${port} (controller ${controllerPort}), log ${logFile}`);
    const out = openSync(logFile, 'a');
    const child = spawn(prerequisites.java, [...jvm, 'kafka.Kafka', properties], { stdio: ['ignore', out, out] });
    closeSync(out);
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal));
      child.once('error', (error) => resolve(error.message));
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    const ready = await waitUntilReady(port, exited);
    if (ready === true) {
      log(`Kafka ready at ${HOST}:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      let stopping;
      return {
        bootstrap: `${HOST}:${port}`,
        port,
        dir: root,
        logFile,
        exited,
        stop: () => (stopping ??= stop(child, exited, killOnExit, root, log)),
      };
    }

    process.removeListener('exit', killOnExit);
    if (ready.reason === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
    const logText = await readFile(logFile, 'utf8').catch(() => '');
    if (ready.reason === 'exit' && /Address already in use|BindException/.test(logText) && attempt < PORT_ATTEMPTS) {
      log(`port ${port} or ${controllerPort} was taken meanwhile, retrying with new ports`);
      continue;
    }
    const what = ready.reason === 'timeout' ? `did not answer within ${READY_TIMEOUT_MS / 1000} s` : `exited (${ready.detail}) before it was ready`;
    throw new Error(`Kafka broker ${what}; kept ${root}\n--- last lines of ${logFile} ---\n${tail(logText)}`);
  }
}

/**
 * Sends one ApiVersions v0 request and returns the response header and error code.
 * @param {number} port
 * @param {number} [timeoutMs]
 * @returns {Promise<{ correlationId: number, errorCode: number }>}
 */
export function apiVersions(port, timeoutMs = 2_000) {
  const correlationId = 0x4365_7068; // 'Ceph'
  const clientId = Buffer.from('cepheus-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // api_key: ApiVersions
  body.writeInt16BE(0, 2); // api_version
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);

  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let received = Buffer.alloc(0);
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no ApiVersions answer within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      if (received.readInt32BE(0) < 6) return reject(new Error('ApiVersions response too short'));
      resolve({ correlationId: received.readInt32BE(4), errorCode: received.readInt16BE(8) });
    });
    socket.once('end', () => fail(new Error('connection closed before a whole ApiVersions response')));
  });
}

async function waitUntilReady(port, exited) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exit;
  exited.then((detail) => (exit = detail));
  while (Date.now() < deadline) {
    if (exit !== undefined) return { reason: 'exit', detail: exit };
    try {
      const answer = await apiVersions(port, 1_000);
      if (answer.errorCode === 0) return true;
    } catch {
      // Not listening yet, or not serving requests yet.
    }
    await sleep(250);
  }
  return exit !== undefined ? { reason: 'exit', detail: exit } : { reason: 'timeout' };
}

async function stop(child, exited, killOnExit, root, log) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log(`Kafka did not stop within ${STOP_TIMEOUT_MS / 1000} s, killing it`);
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  process.removeListener('exit', killOnExit);
  await rm(root, { recursive: true, force: true, maxRetries: 3 });
  log('Kafka stopped');
}

/** The folder of cached jars for this pom, resolving them with Maven the first time. */
async function resolveJars(log) {
  const target = cachedJars();
  if (target) return target;
  const wanted = jarsFolder();
  await mkdir(DEPS, { recursive: true });
  const scratch = join(DEPS, `tmp-${process.pid}-${Date.now()}`);
  log('resolving the Kafka jars with Maven (first run only) ...');
  const started = Date.now();
  const mvn = await run('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${scratch}`]).catch((error) => {
    throw new Error(`cannot resolve the Kafka jars: mvn failed to run (${error.message}); is Maven installed?`);
  });
  if (mvn.code !== 0) {
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`cannot resolve the Kafka jars: mvn exited ${mvn.code}\n${tail(mvn.stdout + mvn.stderr)}`);
  }
  await writeFile(join(scratch, '.complete'), `${new Date().toISOString()}\n`);
  try {
    await rename(scratch, wanted);
  } catch (error) {
    // Another process got there first; its copy is as good as ours.
    await rm(scratch, { recursive: true, force: true });
    if (!cachedJars()) throw error;
  }
  for (const entry of await readdir(DEPS)) {
    if (/^[0-9a-f]{12}$/.test(entry) && join(DEPS, entry) !== wanted) await rm(join(DEPS, entry), { recursive: true, force: true });
  }
  log(`resolved the Kafka jars in ${((Date.now() - started) / 1000).toFixed(1)} s into ${wanted}`);
  return wanted;
}

/** test/kafka/.deps/<hash of pom.xml>: a pom edit resolves afresh. */
function jarsFolder() {
  const hash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 12);
  return join(DEPS, hash);
}

function cachedJars() {
  const folder = jarsFolder();
  return existsSync(join(folder, '.complete')) ? folder : undefined;
}

function serverProperties({ port, controllerPort, data }) {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    // Kafka 4.x dynamic quorum: `StorageTool format --standalone` makes this node the one voter.
    `controller.quorum.bootstrap.servers=${HOST}:${controllerPort}`,
    `listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${data}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

// Everything to stdout, which startBroker sends to broker.log in the temp folder.
const LOG4J_CONFIG = [
  'status = warn',
  // Keep logging until the JVM is gone, so the log shows the whole shutdown.
  'shutdownHook = disable',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.out.ref = out',
  'logger.kafka.name = kafka',
  'logger.kafka.level = INFO',
  'logger.state.name = state.change.logger',
  'logger.state.level = WARN',
  '',
].join('\n');

/** A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Distinct free ports, held together so that they differ, then released. */
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, resolve);
      });
    }
    return servers.map((server) => server.address().port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(() => resolve()))));
  }
}

function javaCommand() {
  const home = process.env.JAVA_HOME;
  if (home) {
    const java = join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(java)) return java;
  }
  return 'java';
}

/** '17.0.15' → 17, '1.8.0_392' → 8. */
function javaMajor(version) {
  const parts = version.split(/[._+-]/).map(Number);
  const major = parts[0] === 1 ? parts[1] : parts[0];
  return Number.isInteger(major) ? major : undefined;
}

/** Runs a command to completion; rejects only when it cannot be started (e.g. not on PATH). */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(argv) {
  const dirAt = argv.indexOf('--dir');
  const dir = dirAt >= 0 ? argv[dirAt + 1] : undefined;
  const say = (message) => console.error(`[kafka] ${message}`);
  let broker;
  try {
    broker = await startBroker({ dir, log: say });
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  console.log(`KAFKA_BROKERS=${broker.bootstrap}`);
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    await broker.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const detail = await broker.exited;
  if (!stopping) {
    say(`the broker exited by itself (${detail}); its log:\n${tail(await readFile(broker.logFile, 'utf8').catch(() => ''))}`);
    process.exit(1);
  }
}

const invoked = process.argv[1];
if (invoked && pathToFileURL(realpathSync(invoked)).href === import.meta.url) {
  await main(process.argv.slice(2));
}
