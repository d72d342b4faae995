/**
 * The server's own framing (src/server/outbox.ts): the JSON it writes is ASCII and reads back as
 * the same value, and a frame's header says the payload's length in the form RFC 6455 5.2 asks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiJson, frameHeader } from '../../../src/server/outbox.js';

/** Any UTF-16 string, lone surrogates included. */
const anyText = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));

describe('asciiJson', () => {
  it('writes every character past U+007F as an escape that JSON reads back as the same string', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, fc.oneof(anyText, fc.double(), fc.array(anyText))), (value) => {
        const plain = JSON.stringify(value);
        const json = asciiJson(plain);
        expect(json).toMatch(/^[\x00-\x7f]*$/);
        expect(JSON.parse(json)).toEqual(JSON.parse(plain));
      }),
      { numRuns: 500 },
    );
  });

  it('leaves ASCII alone and escapes the rest one UTF-16 unit at a time', () => {
    expect(asciiJson('{"a":"plain"}')).toBe('{"a":"plain"}');
    expect(asciiJson(JSON.stringify({ 'ñ': 'é日😀' }))).toBe('{"\\u00f1":"\\u00e9\\u65e5\\ud83d\\ude00"}');
  });
});

describe('frameHeader', () => {
  const bytes = (n: number): number[] => [...frameHeader(n)].map((c) => c.charCodeAt(0));

  it('is a final text frame, unmasked, with a 7-, 16- or 64-bit length as the payload needs', () => {
    expect(bytes(0)).toEqual([0x81, 0]);
    expect(bytes(125)).toEqual([0x81, 125]);
    expect(bytes(126)).toEqual([0x81, 126, 0, 126]);
    expect(bytes(65_535)).toEqual([0x81, 126, 0xff, 0xff]);
    expect(bytes(65_536)).toEqual([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(bytes(0x12345678)).toEqual([0x81, 127, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]);
  });

  it('is made of Latin-1 characters only, so that each is one byte on the wire', () => {
    for (const n of [0, 1, 125, 126, 200, 65_535, 65_536, 1_000_000]) expect(Buffer.from(frameHeader(n), 'latin1').toString('latin1')).toBe(frameHeader(n));
  });
});
