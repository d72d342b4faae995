/**
 * A faster decoder for the records kafkajs 2.2.4 fetches, loaded before kafkajs itself.
 *
 * kafkajs decodes every record's offset and timestamp with 64-bit `Long` arithmetic: it parses
 * the batch's first offset and first timestamp from their decimal strings again for each record,
 * adds the deltas and prints the results back, a dozen objects per record. This decoder does the
 * same in plain numbers, which are exact up to 2^53 — far beyond any offset, and any timestamp
 * in milliseconds for the next 280,000 years. Its results are kafkajs's (checked by
 * test/unit/io/record-decoder.test.ts against kafkajs's own decoder); a record it does not handle
 * the same way for sure (one with headers, whose merging it leaves to kafkajs, or numbers past
 * 2^53) goes to kafkajs's decoder.
 *
 * Like the other replacements (kafkajs-read-committed.ts, kafkajs-record-encoder.ts), it goes
 * into Node's CommonJS module cache under the path of kafkajs's own module, so it must be loaded
 * before kafkajs.
 */
import { createRequire } from 'node:module';

/** What kafkajs's record decoder is given: a decoder over one record's bytes. */
export interface RecordDecoderInput {
  buffer: Buffer;
  offset: number;
}

export interface BatchContext {
  readonly firstOffset?: string;
  readonly firstTimestamp?: string;
  readonly magicByte?: number;
  readonly isControlBatch?: boolean;
  readonly timestampType?: number;
  readonly maxTimestamp?: string;
}

export interface DecodedRecord {
  readonly magicByte: number | undefined;
  readonly attributes: number;
  readonly timestamp: string | undefined;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, unknown>;
  readonly isControlRecord: boolean;
  readonly batchContext: BatchContext;
}

type Decode = (decoder: RecordDecoderInput, batchContext?: BatchContext) => DecodedRecord;

/** kafkajs's TimestampTypes.LOG_APPEND_TIME. */
const LOG_APPEND_TIME = 1;

/** A batch's first offset or first timestamp as a number (NaN unless a safe integer), parsed once per batch, not per record. */
class Base {
  #text: string | undefined;
  #number = NaN;

  of(text: string | undefined): number {
    if (text === this.#text) return this.#number;
    const n = Number(text);
    this.#text = text;
    this.#number = text !== undefined && Number.isSafeInteger(n) && String(n) === text ? n : NaN;
    return this.#number;
  }
}
const offsets = new Base();
const timestamps = new Base();

/** Where `varint` reads. */
let at = 0;

/** A zigzag varint, read as kafkajs reads it. */
function varint(buffer: Buffer): number {
  let result = 0;
  let shift = 0;
  let b: number;
  do {
    b = buffer[at++]!;
    result += (b & 127) << shift;
    shift += 7;
  } while (b >= 128);
  return (result >>> 1) ^ -(result & 1);
}

/**
 * Decodes one record as kafkajs's `recordBatch/record/v0/decoder` does, or returns undefined
 * (having read nothing) for a record it leaves to kafkajs.
 */
export function decodeRecord(decoder: RecordDecoderInput, batchContext: BatchContext = {}): DecodedRecord | undefined {
  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const buffer = decoder.buffer;
  at = decoder.offset;
  const attributes = buffer.readInt8(at++);
  // The timestamp's delta: a zigzag varlong, read as a number while it is exact (7 bytes: < 2^49).
  let u = 0;
  let scale = 1;
  let byte: number;
  let bytes = 0;
  do {
    byte = buffer[at++]!;
    if (++bytes > 7 || byte === undefined) return undefined;
    u += (byte & 127) * scale;
    scale *= 128;
  } while (byte >= 128);
  const timestampDelta = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  let timestamp: string | undefined;
  if (timestampType === LOG_APPEND_TIME && maxTimestamp) timestamp = maxTimestamp;
  else {
    const sum = timestamps.of(firstTimestamp) + timestampDelta;
    if (!Number.isSafeInteger(sum)) return undefined;
    timestamp = String(sum);
  }
  // The offset's delta and the lengths: zigzag varints.
  const offset = offsets.of(firstOffset) + varint(buffer);
  if (!Number.isSafeInteger(offset)) return undefined;
  const keyLength = varint(buffer);
  const key = keyLength === -1 ? null : buffer.subarray(at, (at += keyLength));
  const valueLength = varint(buffer);
  const value = valueLength === -1 ? null : buffer.subarray(at, (at += valueLength));
  // Headers: kafkajs merges repeated names in its own way; a record with any is left to it.
  const headerCount = varint(buffer);
  if (headerCount !== 0 && headerCount !== -1) return undefined;
  decoder.offset = at;
  return { magicByte, attributes, timestamp, offset: String(offset), key, value, headers: {}, isControlRecord: isControlBatch, batchContext };
}

const require = createRequire(import.meta.url);
const recordDecoderPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
const batchDecoderPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');

/** Whether kafkajs uses this decoder (false when kafkajs's record batch decoder was loaded before this module). */
export const patched = require.cache[batchDecoderPath] === undefined;
/** kafkajs's own decoder: for what this one leaves to it, and for the test that compares the two. */
export const kafkajsRecordDecoder = (require.cache[recordDecoderPath]?.exports ?? require(recordDecoderPath)) as Decode;
if (patched && require.cache[recordDecoderPath]?.exports === kafkajsRecordDecoder) {
  const original = kafkajsRecordDecoder;
  const decode: Decode = (decoder, batchContext) => decodeRecord(decoder, batchContext) ?? original(decoder, batchContext);
  require.cache[recordDecoderPath] = { id: recordDecoderPath, filename: recordDecoderPath, loaded: true, exports: decode } as unknown as NodeJS.Module;
}
