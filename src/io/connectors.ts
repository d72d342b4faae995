/**
 * The contracts of connectors: a Source feeds events into the engine, a Sink writes a stream's
 * events out. Kafka implements both (src/connect/kafka-connector.ts); the WebSocket server and
 * `cepheus run`'s files are sources too. They are public, so that users can plug in their own
 * (docs/connectors.md has a worked example).
 */

/** An event on its way out: the stream, its event time (epoch ms) and its columns. */
export interface SinkEvent {
  readonly stream: string;
  readonly time: number;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What a source may do with the engine. */
export interface SourceContext {
  /**
   * Pushes one event into a source stream (never throws: a bad event is rejected onto
   * `_rejected`). `origin` says where it came from (`topic t, partition p, offset o`) and ends
   * up in a rejection's reason.
   */
  push(stream: string, event: unknown, origin?: string): void;
}

export interface Source {
  /** Starts delivering events through `context`; resolves once the source is running. */
  start(context: SourceContext): Promise<void>;
  /** Stops delivering; resolves once nothing more will be pushed. */
  stop(): Promise<void>;
}

export interface Sink {
  /** Accepts one event (buffered: it is written out by `flush`, or sooner). */
  write(event: SinkEvent): void;
  /** Resolves once every event written so far has been acknowledged by its destination. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
