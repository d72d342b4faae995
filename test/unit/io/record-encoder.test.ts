/** The record encoder that replaces kafkajs's (src/io/kafkajs-record-encoder.ts): kafkajs's bytes, exactly. */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRecord, kafkajsRecord, patched } from '../../../src/io/kafkajs-record-encoder.js';

const text = fc.string({ unit: 'binary', maxLength: 300 });
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const keyOrValue = fc.oneof(text, bytes, fc.constant(null), fc.constant(undefined));
const headers = fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }), fc.oneof(text, bytes), { maxKeys: 4 });
const record = fc.record(
  {
    offsetDelta: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 30 - 1 })),
    timestampDelta: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 })),
    key: keyOrValue,
    value: keyOrValue,
    headers,
  },
  { requiredKeys: ['key', 'value'] },
);

describe('record encoder', () => {
  it('writes the bytes kafkajs writes, for every key, value, header and delta', () => {
    fc.assert(
      fc.property(record, (r) => {
        const mine = encodeRecord(r);
        expect(mine).toBeDefined();
        expect(mine!.buffer.equals(kafkajsRecord(r).buffer)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('writes a checkpoint-sized value (512 KiB) as kafkajs does', () => {
    const value = Buffer.alloc(512 * 1024, 7);
    const r = { offsetDelta: 3, timestampDelta: 12, key: 'cepheus/changelog/3/chunk/0', value, headers: { 'cepheus-id': 'x' } };
    expect(encodeRecord(r)!.buffer.equals(kafkajsRecord(r).buffer)).toBe(true);
  });

  it('leaves to kafkajs what it does not encode the same way for sure', () => {
    expect(encodeRecord({ key: 'k', value: 'v', headers: { h: ['a', 'b'] } })).toBeUndefined();
    expect(encodeRecord({ key: 'k', value: 42 })).toBeUndefined();
    expect(encodeRecord({ key: 'k', value: 'v', timestampDelta: 2 ** 52 })).toBeUndefined();
  });

  it("is the encoder kafkajs's produce request uses", () => {
    expect(patched).toBe(true);
    const require = createRequire(import.meta.url);
    const used = require(require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js')) as unknown;
    expect(used).not.toBe(kafkajsRecord);
    // Also what it leaves to kafkajs comes out right.
    const encode = used as (r: object) => { buffer: Buffer };
    for (const r of [{ key: 'k', value: 'v', headers: { h: ['a', 'b'] } }, { key: 'k', value: 'v', headers: { id: 'x' } }]) expect(encode(r).buffer.equals(kafkajsRecord(r).buffer)).toBe(true);
  });
});
