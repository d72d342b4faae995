// Types for broker.mjs, which stays plain JavaScript so that `node test/kafka/broker.mjs` runs it.

export type Prerequisites =
  | { readonly ok: true; readonly java: string; readonly javaVersion: string }
  | { readonly ok: false; readonly reason: string };

export interface BrokerOptions {
  /** The folder in which the broker's own temp folder is made; default: the OS temp folder. */
  readonly dir?: string;
  /** Receives progress lines (resolving jars, start, ready, stop); default: none. */
  readonly log?: (message: string) => void;
}

export interface Broker {
  /** '127.0.0.1:PORT', for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly port: number;
  /** The broker's temp folder: server.properties, broker.log and the data; removed by stop(). */
  readonly dir: string;
  readonly logFile: string;
  /** Settles with the exit code (or signal) when the broker process ends, for whatever reason. */
  readonly exited: Promise<number | string | null>;
  /** SIGTERM, SIGKILL after 15 s, then removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** Whether Java 17+ and either cached jars or Maven are here; never throws. */
export function checkPrerequisites(): Promise<Prerequisites>;

/** Starts a single-node KRaft broker; resolves once it answers an ApiVersions request. */
export function startBroker(options?: BrokerOptions): Promise<Broker>;

/** One ApiVersions v0 request to 127.0.0.1:port. */
export function apiVersions(port: number, timeoutMs?: number): Promise<{ correlationId: number; errorCode: number }>;
