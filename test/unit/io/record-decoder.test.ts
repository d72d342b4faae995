/** The record decoder that replaces kafkajs's (src/io/kafkajs-record-decoder.ts): kafkajs's results, exactly. */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, kafkajsRecordDecoder, patched, type BatchContext, type RecordDecoderInput } from '../../../src/io/kafkajs-record-decoder.js';
import { kafkajsRecord } from '../../../src/io/kafkajs-record-encoder.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => RecordDecoderInput & { readVarInt(): number };

/** A record as the batch decoder hands it over: a decoder over its bytes, after its length. */
function recordDecoder(bytes: Buffer): RecordDecoderInput {
  const d = new Decoder(bytes);
  d.readVarInt();
  return new Decoder(bytes.subarray(d.offset));
}

const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
const decimal = (min: bigint, max: bigint): fc.Arbitrary<string> => fc.bigInt({ min, max }).map(String);
const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 100_000 }),
  timestampDelta: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -(2 ** 51), max: 2 ** 51 })),
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), bytes, { maxKeys: 3 }) }),
});
const context: fc.Arbitrary<BatchContext> = fc.record({
  firstOffset: fc.oneof(decimal(0n, 10n ** 12n), decimal(2n ** 53n - 10n, 2n ** 63n - 1n)),
  firstTimestamp: fc.oneof(decimal(0n, 2n ** 45n), decimal(-(2n ** 63n), 2n ** 63n - 1n), fc.constant('-1')),
  magicByte: fc.constant(2),
  isControlBatch: fc.boolean(),
  timestampType: fc.constantFrom(0, 1),
  maxTimestamp: decimal(0n, 2n ** 45n),
});

describe('record decoder', () => {
  it('decodes what kafkajs decodes, or leaves the record to kafkajs untouched', () => {
    let decodedHere = 0;
    fc.assert(
      fc.property(record, context, (r, batch) => {
        const encoded = kafkajsRecord(r).buffer;
        const theirs = recordDecoder(encoded);
        const expected = kafkajsRecordDecoder(theirs, batch);
        const mine = recordDecoder(encoded);
        const got = decodeRecord(mine, batch);
        if (got === undefined) {
          // Nothing read: kafkajs's decoder can take over from the same place.
          expect(mine.offset).toBe(recordDecoder(encoded).offset);
          return;
        }
        decodedHere++;
        expect(got).toEqual(expected);
        expect(mine.offset).toBe(theirs.offset);
      }),
      { numRuns: 5000 },
    );
    // Records without headers, with offsets and timestamps below 2^53, are decoded here (about a quarter of these).
    expect(decodedHere).toBeGreaterThan(800);
  });

  it('decodes a record of an ordinary batch here, with kafkajs decoding the rest', () => {
    const encoded = kafkajsRecord({ offsetDelta: 7, timestampDelta: 3, key: 'k1', value: '{"a":1}' }).buffer;
    const batch = { firstOffset: '1000', firstTimestamp: '1795461527989', magicByte: 2, isControlBatch: false, timestampType: 0, maxTimestamp: '1795461527999' };
    const got = decodeRecord(recordDecoder(encoded), batch)!;
    expect(got.offset).toBe('1007');
    expect(got.timestamp).toBe('1795461527992');
    expect(got.key!.toString()).toBe('k1');
    expect(got.value!.toString()).toBe('{"a":1}');
    expect(decodeRecord(recordDecoder(kafkajsRecord({ key: 'k', value: 'v', headers: { h: 'x' } }).buffer), batch)).toBeUndefined();
  });

  it("is the decoder kafkajs's record batches use", () => {
    expect(patched).toBe(true);
    const used = require(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')) as unknown;
    expect(used).not.toBe(kafkajsRecordDecoder);
  });
});
