/**
 * The Cepheus WebSocket protocol, `cepheus.v1` (docs/protocol.md), modelled on graphql-ws: a
 * subprotocol name, `connection_init` / `connection_ack`, request ids, ping/pong, close codes.
 * Every frame is one JSON text message `{type, id?, payload?}`. Types only: shared by the server
 * and by the client, which runs in Node and in browsers.
 */

export const SUBPROTOCOL = 'cepheus.v1';

/** Close codes (4xxx are the protocol's own, as in graphql-ws). */
export const CloseCode = {
  /** The server is shutting down (RFC 6455 going away). */
  GoingAway: 1001,
  /** A frame larger than the server's limit (RFC 6455 message too big). */
  MessageTooBig: 1009,
  /** A request before `connection_init`. */
  BadRequest: 4400,
  /** No valid token. */
  Unauthorized: 4401,
  /** No `connection_init` within the server's timeout. */
  InitTimeout: 4408,
  /** A second `connection_init`. */
  TooManyInitRequests: 4429,
  /** A subscription with policy `close` fell further behind than its queue allows. */
  SlowConsumer: 4509,
} as const;

export interface OutputEvent {
  readonly stream: string;
  /** Event time, epoch milliseconds. */
  readonly time: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * A diagnostic of a script, as `cepheus check` prints it: lines and columns are 1-based, and
 * `endLine`/`endColumn` name the position of the last character of the offending text (inclusive).
 */
export interface WireDiagnostic {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** What a slow subscriber costs: dropped messages (counted and reported) or the connection. */
export type SlowPolicy = 'drop' | 'close';

export type ClientMessage =
  | { readonly type: 'connection_init'; readonly payload?: { readonly token?: string } }
  | { readonly type: 'ping' | 'pong'; readonly payload?: unknown }
  | { readonly type: 'deploy'; readonly id: string; readonly payload: { readonly script: string; readonly file?: string } }
  | { readonly type: 'undeploy'; readonly id: string; readonly payload: { readonly deployment?: number; readonly name?: string } }
  | { readonly type: 'list' | 'stats'; readonly id: string }
  | { readonly type: 'explain'; readonly id: string; readonly payload: { readonly name?: string; readonly script?: string } }
  | { readonly type: 'subscribe'; readonly id: string; readonly payload: { readonly stream: string; readonly policy?: SlowPolicy; readonly queue?: number } }
  /** Ends the subscription `id`; the server answers `complete` with the same id. */
  | { readonly type: 'complete'; readonly id: string }
  /**
   * Without an `id`, a publish is not acknowledged: the server answers only when something went
   * wrong, with an `error` without an id (the publish refused, or events of it rejected).
   */
  | { readonly type: 'publish'; readonly id?: string; readonly payload: { readonly stream: string; readonly event?: unknown; readonly events?: readonly unknown[] } };

export interface DeployResultPayload {
  readonly deployment: number;
  readonly streams: readonly string[];
  readonly queries: readonly string[];
  /** The plans of the script's `EXPLAIN <query>` statements, which are not run. */
  readonly explained: readonly string[];
}

export interface PublishResultPayload {
  readonly accepted: number;
  readonly rejected: number;
}

/**
 * What kind of error, for a program to act on (the message is for people):
 * - `bad_request`: a frame or request the server cannot take as it is (do not retry it);
 * - `forbidden`: a read-only token asked to deploy, undeploy or publish;
 * - `not_found`: no such query, stream, deployment or subscription;
 * - `conflict`: an undeploy of a deployment that another one reads;
 * - `invalid_script`: a script with errors (`diagnostics` has every one); nothing was deployed;
 * - `limit`: too many subscriptions on the connection;
 * - `rate_limited`: past the connection's publish rate; retry later;
 * - `busy`: too many events wait for the watermark (a publisher behind); retry later;
 * - `rejected`: a publish without acknowledgement had events rejected (`rejected` counts them);
 * - `internal`: the server failed on the request.
 */
export type ErrorCode = 'bad_request' | 'forbidden' | 'not_found' | 'conflict' | 'invalid_script' | 'limit' | 'rate_limited' | 'busy' | 'rejected' | 'internal';

export interface ErrorPayload {
  readonly code: ErrorCode;
  readonly message: string;
  /** Every diagnostic of a script that was not deployed. */
  readonly diagnostics?: readonly WireDiagnostic[];
  /** For a publish without acknowledgement: how many of its events were rejected (each is on `_rejected` with its reason). */
  readonly rejected?: number;
}

export interface StreamInfo {
  readonly name: string;
  readonly kind: 'stream' | 'table';
  readonly derived: boolean;
  readonly system: boolean;
  readonly columns: readonly { readonly name: string; readonly type: string; readonly notNull: boolean }[];
  readonly timestamp?: string | undefined;
  readonly primaryKey?: string | undefined;
}

export interface QueryListing {
  readonly name: string;
  readonly kind: string;
  readonly deployment: number;
  readonly text: string;
  readonly reads: readonly string[];
  readonly outputs: number;
  readonly state: number;
}

export interface ListPayload {
  readonly queries: readonly QueryListing[];
  readonly streams: readonly StreamInfo[];
}

export type ServerMessage =
  | { readonly type: 'connection_ack'; readonly payload: { readonly server: string; readonly readOnly: boolean } }
  | { readonly type: 'ping' | 'pong'; readonly payload?: unknown }
  | { readonly type: 'result'; readonly id: string; readonly payload: unknown }
  | { readonly type: 'error'; readonly id?: string; readonly payload: ErrorPayload }
  | { readonly type: 'next'; readonly id: string; readonly payload: OutputEvent }
  /** Messages of subscription `id` dropped (policy `drop`) since the last notice. */
  | { readonly type: 'dropped'; readonly id: string; readonly payload: { readonly count: number } }
  | { readonly type: 'complete'; readonly id: string };
