/**
 * The server's outgoing messages, framed here and written to the connection's socket once per
 * turn of the event loop, rather than through `ws`'s sender one message at a time.
 *
 * Every message the server sends is JSON, and here always ASCII (a character past U+007F is
 * written as its `\uXXXX` escape, which JSON reads back as the same string). So a text frame —
 * its header (RFC 6455 5.2: FIN and opcode 1, the length, no mask from a server) and its
 * payload — is a Latin-1 string whose characters are its bytes. A turn's frames for one
 * connection are joined into one such string and written with one `socket.write(text,
 * 'latin1')`: Node copies it straight into the kernel's buffer when it fits, with no Buffer, no
 * array of chunks and no callback per message. At 10,000 events/s this is most of what the
 * server allocated per event (a Buffer and a header per frame, the writable's entries while
 * corked, the `writev` arrays).
 *
 * It relies on what the server's `WebSocketServer` is configured with: no permessage-deflate
 * (frames are never compressed, so `ws` never holds frames back in a queue of its own), and
 * `ws` writing its own frames (pongs, the close frame) whole. Data frames queued here before a
 * close go out before the close frame: the WebSocket's `close()` — called by the server, and by
 * `ws` itself when the client's close frame arrives (perhaps in the same read as requests whose
 * answers are queued here) or its frames break the protocol — writes them first.
 */
import type { WebSocket } from 'ws';

/** What the outbox counts for a subscription's backpressure (server.ts). */
export interface Tally {
  /** Messages queued in this turn, not yet handed to the socket. */
  queued: number;
  /** Messages handed to the socket and not yet written out to the kernel. */
  inFlight: number;
  /** Called when a write holding some of its messages has completed (or failed). */
  drained(): void;
}

interface RawSocket {
  write(text: string, encoding: 'latin1', done?: () => void): boolean;
  readonly destroyed: boolean;
  readonly writable: boolean;
  readonly writableLength: number;
}

const OPEN = 1;

export class Outbox {
  readonly #ws: WebSocket;
  readonly #raw: RawSocket | undefined;
  #text = '';
  /** The tallies with messages in `#text`. */
  #tallies: Tally[] = [];
  #due = false;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    // The net.Socket under the WebSocket; set by the server before it reports the connection.
    this.#raw = (ws as unknown as { _socket?: RawSocket })._socket;
    const close = ws.close.bind(ws);
    ws.close = (code?: number, reason?: string | Buffer): void => {
      this.flush();
      close(code, reason);
    };
  }

  /** Bytes queued here and in the socket, not yet written out (with `ws`'s own, if any). */
  get pendingBytes(): number {
    return this.#text.length + this.#ws.bufferedAmount;
  }

  /**
   * Queues one message (JSON text) to be written at the end of this turn; counts it in `tally`
   * until it is written out.
   */
  send(json: string, tally?: Tally): void {
    this.sendAscii(asciiJson(json), tally);
  }

  /** `send` for JSON already ASCII (made of parts passed through `asciiJson`): not scanned again. */
  sendAscii(text: string, tally?: Tally): void {
    if (this.#ws.readyState !== OPEN) return;
    this.#text += frameHeader(text.length) + text;
    if (tally !== undefined && tally.queued++ === 0) this.#tallies.push(tally);
    if (!this.#due) {
      this.#due = true;
      if (due.length === 0) process.nextTick(flushDue);
      due.push(this);
    }
  }

  /** Writes what is queued now; the end of the turn finds nothing left. */
  flush(): void {
    this.#due = false;
    const text = this.#text;
    if (text.length === 0) return;
    this.#text = '';
    const tallies = this.#tallies;
    const raw = this.#raw;
    if (raw === undefined || raw.destroyed || !raw.writable || this.#ws.readyState !== OPEN) {
      for (const t of tallies) t.queued = 0;
      tallies.length = 0;
      return;
    }
    if (tallies.length === 0) {
      raw.write(text, 'latin1');
    } else if (tallies.length === 1) {
      const t = tallies[0]!;
      const n = t.queued;
      t.queued = 0;
      t.inFlight += n;
      tallies.length = 0;
      raw.write(text, 'latin1', () => {
        t.inFlight -= n;
        t.drained();
      });
    } else {
      const counts = tallies.map((t) => t.queued);
      for (const t of tallies) {
        t.inFlight += t.queued;
        t.queued = 0;
      }
      this.#tallies = [];
      raw.write(text, 'latin1', () => {
        for (let i = 0; i < tallies.length; i++) {
          tallies[i]!.inFlight -= counts[i]!;
          tallies[i]!.drained();
        }
      });
    }
  }
}

/** The outboxes with messages queued in this turn, written together at its end (one tick, not one each). */
const due: Outbox[] = [];

function flushDue(): void {
  // Taken out first: a message queued during the loop (a `dropped` notice) schedules the next tick.
  for (const o of due.splice(0)) o.flush();
}

const HAS_NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII = /[^\x00-\x7f]/g;

/**
 * JSON text with every character past U+007F written as its `\uXXXX` escape. Outside strings,
 * JSON is ASCII, so such characters stand only inside strings, where the escape reads back as the
 * same UTF-16 unit (a pair of surrogates as two escapes).
 */
export function asciiJson(json: string): string {
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/** The headers of text frames with payloads of fewer than 126 bytes, by length. */
const SHORT_HEADERS = Array.from({ length: 126 }, (_, n) => String.fromCharCode(0x81, n));

/** A final, unmasked text frame's header for a payload of `n` bytes, as Latin-1 characters. */
export function frameHeader(n: number): string {
  if (n < 126) return SHORT_HEADERS[n]!;
  if (n < 0x10000) return String.fromCharCode(0x81, 126, n >>> 8, n & 0xff);
  // A 64-bit length; a JavaScript string is far shorter than 2^32.
  return String.fromCharCode(0x81, 127, 0, 0, 0, 0, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
