/**
 * A typed client of the Cepheus server (docs/protocol.md), for Node and browsers: browsers use
 * their own `WebSocket`; Node 20, which has none, loads the `ws` package on first use. The web
 * console imports this file as it is (`/client.js`), with no build step.
 *
 *     const client = await CepheusClient.connect('ws://127.0.0.1:8080', { token });
 *     await client.deploy(script);                       // rejects with the diagnostics
 *     const stop = await client.subscribe('card_testing', (e) => console.log(e.time, e.data));
 *     await client.publish('Txn', { card: 'c1', amount: 0.5, ts: Date.now() });
 *     await stop();
 *     await client.close();
 */
import {
  SUBPROTOCOL,
  type DeployResultPayload,
  type ErrorCode,
  type ErrorPayload,
  type ListPayload,
  type OutputEvent,
  type PublishResultPayload,
  type ServerMessage,
  type SlowPolicy,
  type WireDiagnostic,
} from './protocol.js';

export type { DeployResultPayload, ErrorCode, ErrorPayload, ListPayload, OutputEvent, PublishResultPayload, SlowPolicy, WireDiagnostic };

/** The part of the WebSocket interface the client uses (browsers' and `ws`'s both have it). */
interface Socket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

type SocketConstructor = new (url: string, protocols: string | string[]) => Socket;

export interface ConnectOptions {
  /** A bearer token, sent in `connection_init`. */
  readonly token?: string;
  /** A WebSocket implementation; default: the global one, else the `ws` package. */
  readonly WebSocket?: SocketConstructor;
  /** Milliseconds to wait for `connection_ack`. Default 10,000. */
  readonly timeoutMs?: number;
  /**
   * Called with what a callback of yours (`onEvent`, `onDropped`, `onComplete`, `onError`,
   * `onClose`) throws. Default: thrown again once the message is handled, as an uncaught
   * exception (in Node, the process's `uncaughtException`; in a browser, the console). Either way
   * the connection goes on: the next messages are still read and delivered.
   */
  readonly onCallbackError?: (error: unknown) => void;
}

/**
 * A request the server refused (`code` says what kind of refusal, `diagnostics` has every error
 * of a script, with positions), or the connection closing (`closeCode`).
 */
export class CepheusError extends Error {
  /** The server's error code; undefined when the error is the connection's, not the server's answer. */
  readonly code: ErrorCode | undefined;
  readonly diagnostics: readonly WireDiagnostic[];
  /** The WebSocket close code, when the error is the connection closing (4401: unauthorized). */
  readonly closeCode: number | undefined;
  /** For a publish without acknowledgement: how many of its events the server rejected. */
  readonly rejected: number | undefined;
  constructor(message: string, details: { code?: ErrorCode; diagnostics?: readonly WireDiagnostic[]; closeCode?: number; rejected?: number } = {}) {
    super(message);
    this.name = 'CepheusError';
    this.code = details.code;
    this.diagnostics = details.diagnostics ?? [];
    this.closeCode = details.closeCode;
    this.rejected = details.rejected;
  }

  /** The error a server's `error` message stands for. */
  static of(payload: ErrorPayload): CepheusError {
    return new CepheusError(payload.message, {
      code: payload.code,
      ...(payload.diagnostics ? { diagnostics: payload.diagnostics } : {}),
      ...(payload.rejected !== undefined ? { rejected: payload.rejected } : {}),
    });
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface ClientSubscription {
  readonly onEvent: (event: OutputEvent) => void;
  readonly onDropped: ((count: number) => void) | undefined;
  readonly onComplete: (() => void) | undefined;
  ended?: () => void;
}

/** What a user's callback threw, thrown again on its own (an uncaught exception, as a listener's would be). */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** WebSocket.OPEN, in browsers and in `ws`. */
const OPEN = 1;

async function defaultSocket(): Promise<SocketConstructor> {
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (global) return global;
  const name = 'ws';
  const ws = (await import(/* @vite-ignore */ name)) as { WebSocket: SocketConstructor };
  return ws.WebSocket;
}

export class CepheusClient {
  readonly #socket: Socket;
  readonly #pending = new Map<string, Pending>();
  readonly #subscriptions = new Map<string, ClientSubscription>();
  #next = 0;
  #closed: { code: number; reason: string } | undefined;
  readonly #onCallbackError: (error: unknown) => void;
  /** Whether the server granted read-only access. */
  readOnly = false;
  /** Called when the connection closes (with the close code and reason). */
  onClose: ((code: number, reason: string) => void) | undefined;
  /**
   * Called with the errors the server sends without a request id: a publish without
   * acknowledgement that was refused, or some of whose events were rejected (`rejected` counts
   * them), and frames it could not read.
   */
  onError: ((error: CepheusError) => void) | undefined;

  private constructor(socket: Socket, onCallbackError: ((error: unknown) => void) | undefined) {
    this.#socket = socket;
    this.#onCallbackError = onCallbackError ?? rethrowLater;
  }

  /**
   * Calls a callback of the user's. What it throws is theirs, reported apart: thrown inside the
   * socket's message listener it would stop `ws` reading the connection (its receiver is left
   * mid-frame), and with the process kept alive every later message would be lost.
   */
  #call<T>(callback: ((value: T) => void) | undefined, value: T): void {
    if (callback === undefined) return;
    try {
      callback(value);
    } catch (error) {
      try {
        this.#onCallbackError(error);
      } catch (alsoThrown) {
        rethrowLater(alsoThrown);
      }
    }
  }

  /** Opens a connection and completes the `connection_init` handshake. */
  static async connect(url: string, options: ConnectOptions = {}): Promise<CepheusClient> {
    const Ctor = options.WebSocket ?? (await defaultSocket());
    const socket = new Ctor(url.replace(/^http/, 'ws'), SUBPROTOCOL);
    const client = new CepheusClient(socket, options.onCallbackError);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new CepheusError('no connection_ack from the server in time'));
        socket.close();
      }, options.timeoutMs ?? 10_000);
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: options.token === undefined ? {} : { token: options.token } }));
      socket.onerror = () => {};
      socket.onclose = (e) => {
        clearTimeout(timer);
        client.#onClose(e.code, e.reason);
        reject(new CepheusError(`the server closed the connection: ${e.code} ${e.reason}`, { closeCode: e.code }));
      };
      socket.onmessage = (e) => {
        let message: ServerMessage;
        try {
          message = JSON.parse(String(e.data)) as ServerMessage;
        } catch {
          return;
        }
        if (message.type !== 'connection_ack') return;
        clearTimeout(timer);
        client.readOnly = message.payload.readOnly;
        socket.onmessage = (m) => client.#onMessage(String(m.data));
        socket.onclose = (c) => client.#onClose(c.code, c.reason);
        resolve();
      };
    });
    return client;
  }

  #onMessage(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'ping':
        this.#socket.send(JSON.stringify({ type: 'pong', payload: message.payload }));
        return;
      case 'next':
        this.#call(this.#subscriptions.get(message.id)?.onEvent, message.payload);
        return;
      case 'dropped':
        this.#call(this.#subscriptions.get(message.id)?.onDropped, message.payload.count);
        return;
      case 'complete': {
        const sub = this.#subscriptions.get(message.id);
        this.#subscriptions.delete(message.id);
        sub?.ended?.();
        this.#call(sub?.onComplete, undefined);
        return;
      }
      case 'result':
      case 'error': {
        if (message.id === undefined) {
          if (message.type === 'error') this.#call(this.onError, CepheusError.of(message.payload));
          return;
        }
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        if (message.type === 'result') pending.resolve(message.payload);
        else pending.reject(CepheusError.of(message.payload));
        return;
      }
      default:
        return;
    }
  }

  #onClose(code: number, reason: string): void {
    this.#closed = { code, reason };
    const error = new CepheusError(`connection closed: ${code}${reason ? ` ${reason}` : ''}`, { closeCode: code });
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    for (const s of this.#subscriptions.values()) s.ended?.();
    this.#subscriptions.clear();
    const onClose = this.onClose;
    if (onClose !== undefined) this.#call(() => onClose(code, reason), undefined);
  }

  #request<T>(type: string, payload?: unknown, id = `r${++this.#next}`): Promise<T> {
    if (this.#closed) return Promise.reject(new CepheusError(`connection closed: ${this.#closed.code}`, { closeCode: this.#closed.code }));
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#socket.send(JSON.stringify(payload === undefined ? { type, id } : { type, id, payload }));
    });
  }

  /** Deploys a script atomically; rejects with a CepheusError carrying every diagnostic. */
  deploy(script: string, options: { file?: string } = {}): Promise<DeployResultPayload> {
    return this.#request('deploy', { script, ...options });
  }

  /** Undeploys the deployment that defined query `name` (or a deployment by number). */
  undeploy(nameOrDeployment: string | number): Promise<{ deployment: number }> {
    return this.#request('undeploy', typeof nameOrDeployment === 'number' ? { deployment: nameOrDeployment } : { name: nameOrDeployment });
  }

  list(): Promise<ListPayload> {
    return this.#request('list');
  }

  stats(): Promise<Record<string, unknown>> {
    return this.#request('stats');
  }

  /** The plan of a deployed query (by name) or of a script. */
  async explain(target: { name: string } | { script: string }): Promise<string> {
    return (await this.#request<{ plan: string }>('explain', target)).plan;
  }

  /** Publishes one event or a batch; resolves with how many were accepted and rejected. */
  publish(stream: string, eventOrEvents: unknown): Promise<PublishResultPayload>;
  /**
   * With `{ ack: false }`: publishes without an acknowledgement, and returns at once. The server
   * answers only what went wrong — the publish refused, or events of it rejected — and that
   * reaches `onError`. For a publisher of many single events that wants no frame back for each.
   * At most once: throws when the connection is closing or closed; events in flight when it
   * breaks are lost without a word (use acknowledged publishes to know).
   */
  publish(stream: string, eventOrEvents: unknown, options: { readonly ack: false }): void;
  publish(stream: string, eventOrEvents: unknown, options?: { readonly ack: false }): Promise<PublishResultPayload> | void {
    const payload = Array.isArray(eventOrEvents) ? { stream, events: eventOrEvents } : { stream, event: eventOrEvents };
    if (options?.ack !== false) return this.#request('publish', payload);
    // Closing, a socket drops what it is given without a word: the caller is told instead.
    if (this.#closed || this.#socket.readyState !== OPEN) {
      const code = this.#closed?.code;
      throw new CepheusError(code === undefined ? 'connection closing: the event was not sent' : `connection closed: ${code}`, code === undefined ? {} : { closeCode: code });
    }
    this.#socket.send(JSON.stringify({ type: 'publish', payload }));
  }

  /**
   * Subscribes to a stream (an input, a query's output, `_rejected`). Resolves once the server
   * holds the subscription, with a function that ends it. `onComplete` is called when it ends:
   * by that function, or by the server when the stream is undeployed or dropped.
   */
  async subscribe(
    stream: string,
    onEvent: (event: OutputEvent) => void,
    options: { policy?: SlowPolicy; queue?: number; onDropped?: (count: number) => void; onComplete?: () => void } = {},
  ): Promise<() => Promise<void>> {
    const id = `s${++this.#next}`;
    const sub: ClientSubscription = { onEvent, onDropped: options.onDropped, onComplete: options.onComplete };
    this.#subscriptions.set(id, sub);
    try {
      await this.#request('subscribe', { stream, ...(options.policy ? { policy: options.policy } : {}), ...(options.queue ? { queue: options.queue } : {}) }, id);
    } catch (error) {
      this.#subscriptions.delete(id);
      throw error;
    }
    return () =>
      new Promise<void>((resolve) => {
        if (!this.#subscriptions.has(id) || this.#closed) return resolve();
        sub.ended = resolve;
        this.#socket.send(JSON.stringify({ type: 'complete', id }));
      });
  }

  /** Closes the connection (normal closure). */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const previous = this.onClose;
      this.onClose = (code, reason) => {
        try {
          previous?.(code, reason);
        } finally {
          resolve();
        }
      };
      this.#socket.close(1000, 'bye');
    });
  }
}
