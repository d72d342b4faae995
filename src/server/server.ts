/**
 * `cepheus serve`: the engine behind a WebSocket API (docs/protocol.md), with the web console at
 * `/`, `GET /healthz` and `GET /metrics` (Prometheus text).
 *
 * - Security: a bearer token, checked at the HTTP upgrade (`Authorization: Bearer …`) or in
 *   `connection_init` (browsers cannot set headers), compared in constant time; read-only
 *   tokens may subscribe, list, explain and read stats, not deploy, undeploy or publish. With
 *   no token configured the server is open, and it listens on 127.0.0.1 by default.
 * - Limits: a maximum frame size (larger frames close the connection with 1009), a rate limit
 *   on published events per connection (a token bucket; beyond it a publish is refused with an
 *   error, counted), a bounded queue per subscription, a number of subscriptions per
 *   connection and of connections (refused with HTTP 503 at the upgrade).
 * - Backpressure: the engine never waits for a client. Each subscription counts the messages
 *   handed to its socket and not yet written out; past its queue limit, policy `drop` drops and
 *   counts (and tells the client how many once it catches up), policy `close` closes the
 *   connection with 4509. Other clients are not affected.
 * - Shutdown: `close()` (and SIGTERM in the CLI) stops accepting connections, makes `/healthz`
 *   answer 503, lets queued messages flush for a moment and closes every client with 1001.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { compileScript, explainQuery, explainScript, type CatalogEntry, type Diagnostic, type Engine } from '../index.js';
import {
  CloseCode,
  SUBPROTOCOL,
  type ClientMessage,
  type ErrorCode,
  type ListPayload,
  type PublishResultPayload,
  type ServerMessage,
  type SlowPolicy,
  type StreamInfo,
  type WireDiagnostic,
} from '../client/protocol.js';
import { ServerMetrics } from './metrics.js';
import { asciiJson, Outbox, type Tally } from './outbox.js';

export interface ServerOptions {
  readonly engine: Engine;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Tokens with full access. With none (and no read-only ones), the server is open. */
  readonly tokens?: readonly string[];
  /** Tokens that may subscribe, list, explain and read stats only. */
  readonly readOnlyTokens?: readonly string[];
  /** Largest accepted frame, bytes. Default 4 MiB. */
  readonly maxFrameBytes?: number;
  /** Events a connection may publish per second (a token bucket of one second). Default 200,000. */
  readonly publishRate?: number;
  /** Default queue limit per subscription, messages. Default 10,000. */
  readonly queue?: number;
  /** Time a client has to send `connection_init`. Default 10 s. */
  readonly initTimeoutMs?: number;
  /** Open connections; more are refused at the upgrade with HTTP 503. Default 1,000. */
  readonly maxConnections?: number;
  /** Subscriptions one connection may hold at once. Default 100. */
  readonly maxSubscriptions?: number;
  /**
   * Connections not yet authenticated (waiting for `connection_init` on a server with tokens);
   * more are refused with HTTP 503, so that they cannot keep clients with tokens out. Default 100.
   */
  readonly maxUnauthenticated?: number;
  /**
   * A publisher (a connection that has published) silent this long stops holding the watermark
   * back (section 3's idle timeout), until it publishes again. Default 5 s, as the Kafka connector's.
   */
  readonly inputIdleMs?: number;
  /** Events that may wait for the watermark; past it, publishes are refused with an error. Default 1,000,000. */
  readonly maxWaiting?: number;
  /**
   * Bytes a connection may have waiting to be written to a client that does not read: past it a
   * subscription's message counts as past its queue (its policy applies), and a reply closes the
   * connection (4509). Default 64 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Lines for the operator (connections, errors); default silent. */
  readonly log?: (line: string) => void;
}

/** The repository (or installed package) root: two levels above this file, in src/ or dist/. */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** The web console's static files (plain HTML, CSS and JavaScript: no build step). */
const CONSOLE_DIR = join(ROOT, 'src/server/console');
/** The compiled client and protocol, served to the console as ES modules. */
const CLIENT_FILE = join(ROOT, 'dist/client/client.js');
const PROTOCOL_FILE = join(ROOT, 'dist/client/protocol.js');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Compares a presented token with every known one in constant time (digests have equal length). */
function accessOf(token: string | undefined, full: readonly Buffer[], readOnly: readonly Buffer[]): 'full' | 'read' | undefined {
  if (token === undefined) return undefined;
  const d = digest(token);
  let access: 'full' | 'read' | undefined;
  for (const t of full) if (timingSafeEqual(d, t)) access = 'full';
  for (const t of readOnly) if (timingSafeEqual(d, t) && access === undefined) access = 'read';
  return access;
}

function wireDiagnostic(d: Diagnostic): WireDiagnostic {
  return { code: d.code, severity: d.severity, message: d.message, hint: d.hint, file: d.file, line: d.line, column: d.column, endLine: d.span.endLine, endColumn: d.span.endColumn };
}

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly diagnostics?: readonly WireDiagnostic[],
  ) {
    super(message);
  }
}

interface Subscription extends Tally {
  readonly id: string;
  readonly stream: string;
  /** The stream's catalogue entry when subscribed: once the stream is gone or made again, the subscription is complete. */
  readonly entry: CatalogEntry | undefined;
  readonly policy: SlowPolicy;
  /**
   * Messages handed to the socket and not yet written out (`inFlight`) before it drops or
   * closes. The ones queued in this turn of the event loop (`queued`, written out together at
   * its end) do not count: one publish of more events than the queue holds must not look like a
   * slow reader.
   */
  readonly limit: number;
  /** Dropped since the last `dropped` notice. */
  dropped: number;
  unsubscribe: () => void;
}

interface Connection {
  readonly socket: WebSocket;
  /** Its messages, written out together at the end of each turn of the event loop (one system call). */
  readonly outbox: Outbox;
  access: 'full' | 'read' | undefined;
  initialised: boolean;
  readonly subscriptions: Map<string, Subscription>;
  /** Publish token bucket. */
  tokens: number;
  refilled: number;
  /** The engine input its publishes arrive on (section 3: each publisher is one), from its first publish. */
  input: string | undefined;
  lastPublish: number;
  idle: boolean;
}

export class CepheusServer {
  readonly engine: Engine;
  readonly metrics: ServerMetrics;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #options: Required<Omit<ServerOptions, 'engine' | 'tokens' | 'readOnlyTokens' | 'port' | 'host'>>;
  readonly #full: Buffer[];
  readonly #readOnly: Buffer[];
  readonly #connections = new Set<Connection>();
  #lastEvent: object | undefined;
  #lastJson = '';
  /** Publishers so far, for their input names. */
  #publishers = 0;
  #idleTimer: ReturnType<typeof setInterval> | undefined;
  /** Events rejected by the engine so far (for publish results, without building stats). */
  #rejected = 0;
  /** The reason of the last of them. */
  #rejection = '';
  #closing = false;

  private constructor(options: ServerOptions) {
    this.engine = options.engine;
    this.#full = (options.tokens ?? []).map(digest);
    this.#readOnly = (options.readOnlyTokens ?? []).map(digest);
    this.#options = {
      maxFrameBytes: options.maxFrameBytes ?? 4 * 1024 * 1024,
      publishRate: options.publishRate ?? 200_000,
      queue: options.queue ?? 10_000,
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
      maxConnections: options.maxConnections ?? 1_000,
      maxSubscriptions: options.maxSubscriptions ?? 100,
      maxUnauthenticated: options.maxUnauthenticated ?? 100,
      inputIdleMs: options.inputIdleMs ?? 5_000,
      maxWaiting: options.maxWaiting ?? 1_000_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
      log: options.log ?? (() => {}),
    };
    this.metrics = new ServerMetrics(this.engine, () => this.#connections.size);
    this.engine.subscribe('_rejected', (e) => {
      this.#rejected++;
      this.#rejection = clip(String(e.data['reason']), 200);
    });
    this.#http = createServer((req, res) => void this.#serveHttp(req, res));
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#options.maxFrameBytes,
      // The outbox writes frames itself (outbox.ts): never compressed.
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    this.#http.on('upgrade', (req, socket, head) => {
      if (this.#closing) return socket.destroy();
      const unavailable = (): void => void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      // Offered only other subprotocols: refused here, as a client would fail a handshake that chose none.
      const offered = req.headers['sec-websocket-protocol'];
      if (offered !== undefined && !offered.split(',').some((p) => p.trim() === SUBPROTOCOL)) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (this.#connections.size >= this.#options.maxConnections) return unavailable();
      // A token in the header is checked here: a wrong one is refused before the upgrade.
      const header = req.headers['authorization'];
      let access: 'full' | 'read' | undefined;
      if (header !== undefined) {
        const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
        access = accessOf(token, this.#full, this.#readOnly);
        if (access === undefined) {
          socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
      } else if (this.secured) {
        let waiting = 0;
        for (const c of this.#connections) if (!c.initialised && c.access === undefined) waiting++;
        if (waiting >= this.#options.maxUnauthenticated) return unavailable();
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, access));
    });
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: ServerOptions): Promise<CepheusServer> {
    const server = new CepheusServer(options);
    await new Promise<void>((resolveListen, reject) => {
      server.#http.once('error', reject);
      server.#http.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolveListen());
    });
    return server;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  /** `http://host:port`; the WebSocket endpoint is the same with `ws:`. */
  get url(): string {
    const a = this.#http.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  get secured(): boolean {
    return this.#full.length + this.#readOnly.length > 0;
  }

  /**
   * Graceful shutdown: stop accepting, report unhealthy, give queued messages `flushMs` to be
   * written, then close every client with 1001 (going away).
   */
  async close(flushMs = 500): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#idleTimer);
    const httpClosed = new Promise<void>((r) => this.#http.close(() => r()));
    const deadline = Date.now() + flushMs;
    while (Date.now() < deadline && [...this.#connections].some((c) => c.outbox.pendingBytes > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const c of this.#connections) {
      this.#drop(c);
      c.socket.close(CloseCode.GoingAway, 'server shutting down');
    }
    // Sockets that do not complete the closing handshake are cut.
    setTimeout(() => {
      for (const c of this.#connections) c.socket.terminate();
    }, 1000).unref();
    this.#http.closeAllConnections();
    await httpClosed;
  }

  // ------------------------------------------------------------------------------------- HTTP

  async #serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.#send(res, 405, 'text/plain', 'method not allowed\n');
      if (path === '/healthz') {
        return this.#send(res, this.#closing ? 503 : 200, 'application/json', JSON.stringify({ status: this.#closing ? 'shutting down' : 'ok' }) + '\n');
      }
      if (path === '/metrics') return this.#send(res, 200, this.metrics.contentType, await this.metrics.text());
      if (path === '/client.js' || path === '/protocol.js') {
        const body = await readFile(path === '/client.js' ? CLIENT_FILE : PROTOCOL_FILE).catch(() => undefined);
        if (body === undefined) return this.#send(res, 503, 'text/plain', 'the client is not built: run `npm run build`\n');
        return this.#send(res, 200, MIME['.js']!, body);
      }
      const file = normalize(join(CONSOLE_DIR, path === '/' ? 'index.html' : path));
      if (!file.startsWith(CONSOLE_DIR + sep)) return this.#send(res, 404, 'text/plain', 'not found\n');
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) return this.#send(res, 404, 'text/plain', 'not found\n');
      return this.#send(res, 200, MIME[extname(file)] ?? 'application/octet-stream', body);
    } catch (error) {
      this.#options.log(`http ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return this.#send(res, 500, 'text/plain', 'internal error\n');
    }
  }

  #send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  }

  // -------------------------------------------------------------------------------- WebSocket

  #accept(socket: WebSocket, access: 'full' | 'read' | undefined): void {
    if (socket.protocol !== SUBPROTOCOL) {
      socket.close(CloseCode.BadRequest, `use the subprotocol ${SUBPROTOCOL}`);
      return;
    }
    const c: Connection = { socket, outbox: new Outbox(socket), access, initialised: false, subscriptions: new Map(), tokens: this.#options.publishRate, refilled: Date.now(), input: undefined, lastPublish: 0, idle: false };
    this.#connections.add(c);
    const timer = setTimeout(() => {
      if (!c.initialised) c.socket.close(CloseCode.InitTimeout, 'connection_init timeout');
    }, this.#options.initTimeoutMs);
    timer.unref();
    socket.on('message', (data, isBinary) => {
      try {
        this.#onMessage(c, isBinary ? undefined : data.toString());
      } catch (error) {
        // Nothing a client sends may crash the server.
        this.#options.log(`message handling failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        this.#reply(c, { type: 'error', payload: { code: 'internal', message: 'internal error' } });
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      this.#drop(c);
      this.#connections.delete(c);
      // A publisher gone no longer holds the watermark back.
      if (c.input !== undefined) this.engine.removeInput(c.input);
    });
    socket.on('error', (error) => this.#options.log(`socket error: ${error.message}`));
  }

  /** Ends every subscription of a connection. */
  #drop(c: Connection): void {
    for (const s of c.subscriptions.values()) s.unsubscribe();
    c.subscriptions.clear();
  }

  #reply(c: Connection, message: ServerMessage): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    if (c.outbox.pendingBytes > this.#options.maxBufferedBytes) {
      this.#drop(c);
      c.socket.close(CloseCode.SlowConsumer, `more than ${this.#options.maxBufferedBytes} bytes not read`);
      return;
    }
    c.outbox.send(JSON.stringify(message));
  }

  /**
   * An event as ASCII JSON (outbox.ts), written once however many subscriptions receive it: they
   * are given it one after the other, so the last one written is remembered (a connection may
   * hold 100 subscriptions to one stream).
   */
  #json(event: object): string {
    if (event !== this.#lastEvent) {
      this.#lastJson = asciiJson(JSON.stringify(event));
      this.#lastEvent = event;
    }
    return this.#lastJson;
  }

  #onMessage(c: Connection, text: string | undefined): void {
    let message: { type?: unknown; id?: unknown; payload?: unknown };
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      return this.#reply(c, { type: 'error', payload: { code: 'bad_request', message: 'the message is not valid JSON' } });
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message) || typeof message.type !== 'string') {
      return this.#reply(c, { type: 'error', payload: { code: 'bad_request', message: 'a message is a JSON object with a string "type"' } });
    }
    const type = message.type;
    if (type === 'connection_init') return this.#init(c, message.payload);
    if (type === 'ping') return this.#reply(c, { type: 'pong', payload: message.payload });
    if (type === 'pong') return;
    if (!c.initialised) {
      c.socket.close(CloseCode.BadRequest, 'connection_init first');
      return;
    }
    // A publish without an id is not acknowledged (docs/protocol.md): no result, so a publisher
    // of single events gets no frame back for each; only what went wrong is answered, with an
    // error without an id: the publish refused whole, or how many of its events were rejected.
    const acknowledged = !(type === 'publish' && message.id === undefined);
    if (acknowledged && (typeof message.id !== 'string' || message.id.length === 0 || message.id.length > 200)) {
      return this.#reply(c, { type: 'error', payload: { code: 'bad_request', message: `'${type}' needs a string "id" (at most 200 characters)` } });
    }
    const id = acknowledged ? (message.id as string) : undefined;
    try {
      const result = this.#request(c, type, id ?? '', message.payload);
      if (id !== undefined) {
        if (result !== NO_REPLY) this.#reply(c, { type: 'result', id, payload: result });
        return;
      }
      const { accepted, rejected } = result as PublishResultPayload;
      if (rejected === 0) return;
      const n = accepted + rejected;
      const stream = clip(String((message.payload as Record<string, unknown>)['stream']), 100);
      this.#reply(c, { type: 'error', payload: { code: 'rejected', message: `publish to '${stream}': ${rejected} of ${n} event${n === 1 ? '' : 's'} rejected (the last: ${this.#rejection}); each is on _rejected with its reason`, rejected } });
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      const payload = { code: error.code, message: error.message, ...(error.diagnostics ? { diagnostics: error.diagnostics } : {}) };
      this.#reply(c, id === undefined ? { type: 'error', payload } : { type: 'error', id, payload });
    }
  }

  #init(c: Connection, payload: unknown): void {
    if (c.initialised) {
      c.socket.close(CloseCode.TooManyInitRequests, 'too many connection_init requests');
      return;
    }
    const token = payload !== null && typeof payload === 'object' ? (payload as { token?: unknown }).token : undefined;
    if (typeof token === 'string') c.access = accessOf(token, this.#full, this.#readOnly) ?? c.access;
    if (c.access === undefined && !this.secured) c.access = 'full';
    if (c.access === undefined) {
      c.socket.close(CloseCode.Unauthorized, 'unauthorized');
      return;
    }
    c.initialised = true;
    this.#reply(c, { type: 'connection_ack', payload: { server: 'cepheus', readOnly: c.access === 'read' } });
  }

  #request(c: Connection, type: string, id: string, payload: unknown): unknown {
    const p = (payload !== null && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
    const writes = type === 'deploy' || type === 'undeploy' || type === 'publish';
    if (writes && c.access !== 'full') throw new RequestError('forbidden', `'${type}' needs a token with full access; this connection is read-only`);
    switch (type as ClientMessage['type']) {
      case 'deploy':
        return this.#deploy(p);
      case 'undeploy':
        return this.#undeploy(p);
      case 'list':
        return this.list();
      case 'stats':
        return { ...this.engine.stats(), clients: this.#connections.size, dropped: this.metrics.droppedMessages };
      case 'explain':
        return this.#explain(p);
      case 'subscribe':
        this.#subscribe(c, id, p);
        return NO_REPLY;
      case 'complete':
        this.#unsubscribe(c, id);
        return NO_REPLY;
      case 'publish':
        return this.#publish(c, p);
      default:
        throw new RequestError('bad_request', `unknown message type '${type}'`);
    }
  }

  #deploy(p: Record<string, unknown>): unknown {
    if (typeof p['script'] !== 'string') throw new RequestError('bad_request', 'deploy needs payload.script, the CQL text');
    const file = typeof p['file'] === 'string' ? p['file'] : '<console>';
    const result = this.engine.deploy(p['script'], { file });
    if (!result.ok) {
      const n = result.diagnostics.length;
      throw new RequestError('invalid_script', `${n} error${n === 1 ? '' : 's'}: nothing was deployed`, result.diagnostics.map(wireDiagnostic));
    }
    this.metrics.trackQueries();
    this.#completeGone();
    const d = result.deployment;
    return { deployment: d.id, streams: d.streams, queries: d.queries, explained: d.explained };
  }

  #undeploy(p: Record<string, unknown>): unknown {
    let deployment = typeof p['deployment'] === 'number' ? p['deployment'] : undefined;
    if (deployment === undefined && typeof p['name'] === 'string') {
      deployment = this.engine.queries().find((q) => q.name === p['name'])?.deployment;
      if (deployment === undefined) throw new RequestError('not_found', `no query '${p['name']}'`);
    }
    if (deployment === undefined) throw new RequestError('bad_request', 'undeploy needs payload.deployment (a number) or payload.name (a query)');
    const r = this.engine.undeploy(deployment);
    if (!r.ok) throw new RequestError(r.reason.startsWith('no deployment') ? 'not_found' : 'conflict', r.reason);
    this.metrics.trackQueries();
    this.#completeGone();
    return { deployment };
  }

  /**
   * Ends, with `complete`, every subscription to a stream that an undeploy or a DROP removed (or
   * that was made again under its name: its events are another stream's).
   */
  #completeGone(): void {
    const catalog = this.engine.catalog();
    for (const c of this.#connections) {
      for (const [id, sub] of c.subscriptions) {
        if (catalog.get(sub.stream) === sub.entry) continue;
        sub.unsubscribe();
        c.subscriptions.delete(id);
        this.#reply(c, { type: 'complete', id });
      }
    }
  }

  /** The deployed queries with live counters, and every stream with its schema. */
  list(): ListPayload {
    const streams: StreamInfo[] = this.engine
      .catalog()
      .entries()
      .map((e) => ({
        name: e.name,
        kind: e.kind,
        derived: e.derived,
        system: e.system,
        columns: e.schema.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull })),
        timestamp: e.timestamp,
        primaryKey: e.primaryKey,
      }));
    return { queries: this.engine.queries(), streams };
  }

  #explain(p: Record<string, unknown>): unknown {
    if (typeof p['script'] === 'string') {
      const r = compileScript(p['script'], { file: '<console>', catalog: this.engine.catalog() });
      if (!r.ok) throw new RequestError('invalid_script', 'the script has errors', r.diagnostics.map(wireDiagnostic));
      return { plan: explainScript(r.script) };
    }
    if (typeof p['name'] !== 'string') throw new RequestError('bad_request', 'explain needs payload.name (a query) or payload.script');
    const q = this.engine.queries().find((x) => x.name === p['name']);
    if (!q) throw new RequestError('not_found', `no query '${p['name']}'`);
    // Re-analyse the statement against the catalogue without its own output, to print its plan.
    const catalog = this.engine.catalog();
    catalog.remove(q.name);
    const r = compileScript(q.text.trim().endsWith(';') ? q.text : `${q.text};`, { file: q.name, catalog });
    const statement = r.ok ? r.script.statements.find((s) => s.kind === 'query') : undefined;
    if (!statement || statement.kind !== 'query') throw new RequestError('not_found', `the plan of '${q.name}' is not available`);
    return { plan: explainQuery(statement.query) };
  }

  #subscribe(c: Connection, id: string, p: Record<string, unknown>): void {
    const stream = p['stream'];
    if (typeof stream !== 'string') throw new RequestError('bad_request', 'subscribe needs payload.stream');
    if (c.subscriptions.has(id)) throw new RequestError('bad_request', `subscription id '${id}' is already in use`);
    if (c.subscriptions.size >= this.#options.maxSubscriptions) throw new RequestError('limit', `at most ${this.#options.maxSubscriptions} subscriptions per connection`);
    if (!this.engine.catalog().has(stream)) throw new RequestError('not_found', `unknown stream '${stream}'`);
    const policy = p['policy'] === 'close' ? 'close' : 'drop';
    if (p['policy'] !== undefined && p['policy'] !== 'drop' && p['policy'] !== 'close') throw new RequestError('bad_request', "policy is 'drop' or 'close'");
    const queue = p['queue'] === undefined ? this.#options.queue : p['queue'];
    if (typeof queue !== 'number' || !Number.isSafeInteger(queue) || queue < 1 || queue > 1_000_000) throw new RequestError('bad_request', 'queue is a whole number of messages from 1 to 1,000,000');
    const { socket, outbox } = c;
    const sub: Subscription = {
      id,
      stream,
      entry: this.engine.catalog().get(stream),
      policy,
      limit: queue,
      queued: 0,
      inFlight: 0,
      dropped: 0,
      unsubscribe: () => {},
      // Caught up to half its queue: the client is told how many it missed.
      drained: () => {
        if (sub.dropped > 0 && sub.inFlight < sub.limit / 2) {
          const count = sub.dropped;
          sub.dropped = 0;
          outbox.send(JSON.stringify({ type: 'dropped', id, payload: { count } } satisfies ServerMessage));
        }
      },
    };
    const head = asciiJson(`{"type":"next","id":${JSON.stringify(id)},"payload":`);
    sub.unsubscribe = this.engine.subscribe(stream, (event) => {
      if (socket.readyState !== socket.OPEN) return;
      if (sub.inFlight >= sub.limit || outbox.pendingBytes > this.#options.maxBufferedBytes) {
        if (sub.policy === 'close') {
          this.metrics.dropped('close', 1);
          this.#drop(c);
          c.socket.close(CloseCode.SlowConsumer, `subscription '${id}' fell ${sub.limit} messages behind`);
          return;
        }
        sub.dropped++;
        this.metrics.dropped('drop', 1);
        return;
      }
      outbox.sendAscii(`${head}${this.#json(event)}}`, sub);
    });
    c.subscriptions.set(id, sub);
    this.#reply(c, { type: 'result', id, payload: { stream, policy, queue } });
  }

  #unsubscribe(c: Connection, id: string): void {
    const sub = c.subscriptions.get(id);
    if (!sub) throw new RequestError('not_found', `no subscription '${id}'`);
    sub.unsubscribe();
    c.subscriptions.delete(id);
    this.#reply(c, { type: 'complete', id });
  }

  #publish(c: Connection, p: Record<string, unknown>): PublishResultPayload {
    const stream = p['stream'];
    if (typeof stream !== 'string') throw new RequestError('bad_request', 'publish needs payload.stream');
    const events = Array.isArray(p['events']) ? (p['events'] as unknown[]) : 'event' in p ? [p['event']] : undefined;
    if (events === undefined) throw new RequestError('bad_request', 'publish needs payload.event or payload.events (an array)');
    // The token bucket: publishRate events per second, at most one second's worth at once.
    const now = Date.now();
    c.tokens = Math.min(this.#options.publishRate, c.tokens + ((now - c.refilled) / 1000) * this.#options.publishRate);
    c.refilled = now;
    if (events.length > c.tokens) {
      this.metrics.rateLimited(events.length);
      throw new RequestError('rate_limited', `rate limit: at most ${this.#options.publishRate} events per second per connection; ${events.length} refused`);
    }
    // Events held for the watermark (a publisher behind holds it for everyone) are bounded:
    // past maxWaiting, publishes are refused until the watermark moves (or that publisher goes idle).
    if (this.engine.waiting() >= this.#options.maxWaiting && this.#ahead(c)) {
      throw new RequestError('busy', `${this.engine.waiting()} events wait for the watermark (a publisher behind holds it back): ${events.length} refused, publish again later`);
    }
    c.tokens -= events.length;
    c.input ??= `websocket ${++this.#publishers}`;
    c.lastPublish = now;
    c.idle = false;
    if (this.#idleTimer === undefined) this.#watchIdle();
    return this.publish(stream, events, c.input);
  }

  /** Whether `c` is ahead of the publisher holding the watermark back (that one is never refused: it moves it). */
  #ahead(c: Connection): boolean {
    if (c.input === undefined) return false;
    let least = Infinity;
    for (const other of this.#connections) {
      if (other.input === undefined || other.idle) continue;
      least = Math.min(least, this.engine.inputTime(other.input) ?? Infinity);
    }
    return (this.engine.inputTime(c.input) ?? -Infinity) > least;
  }

  /**
   * Section 3: a publisher silent for `inputIdleMs` stops holding the watermark back (it holds
   * it again with its next event).
   */
  #watchIdle(): void {
    const idleMs = this.#options.inputIdleMs;
    this.#idleTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.#connections) {
        if (c.input === undefined || c.idle || now - c.lastPublish < idleMs) continue;
        c.idle = true;
        this.engine.inputIdle(c.input);
      }
    }, Math.max(10, Math.min(250, idleMs / 2)));
    this.#idleTimer.unref();
  }

  /**
   * Pushes events into the engine as a publish does (counted, timed); never throws. `input`
   * names the engine input they arrive on (one per WebSocket publisher); without it, the
   * engine's default input (the built-in demo's).
   */
  publish(stream: string, events: readonly unknown[], input?: string): PublishResultPayload {
    const before = this.#rejected;
    this.metrics.publishing(stream, events.length);
    try {
      for (const e of events) this.engine.push(stream, e, undefined, input);
    } finally {
      this.metrics.published();
    }
    const rejected = this.#rejected - before;
    return { accepted: events.length - rejected, rejected };
  }
}

const NO_REPLY = Symbol('no reply');

/** A text a client chose, cut for an error message (an answer is never much larger than its question). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

