/** Reading the changelog's records (src/connect/changelog-records.ts): manifests, binary chunks, and format 1's JSON chunks. */
import { describe, expect, it } from 'vitest';
import { changelogRecord } from '../../../src/connect/changelog-records.js';

describe('changelog records', () => {
  it('reads a binary chunk: its checkpoint id, then its bytes, copied out of the fetched buffer', () => {
    const fetched = Buffer.concat([Buffer.from('xx'), Buffer.from('k1-42-abc\n'), Buffer.from([0, 10, 255, 123]), Buffer.from('yy')]);
    const record = changelogRecord(fetched.subarray(2, fetched.length - 2));
    expect(record).toEqual({ id: 'k1-42-abc', data: Buffer.from([0, 10, 255, 123]) });
    const data = (record as { data: Uint8Array }).data;
    expect(data.buffer).not.toBe(fetched.buffer);
  });

  it('reads a manifest that carries its snapshot: the JSON up to the first newline, then the bytes', () => {
    const manifest = { v: 2, id: 'b', offsets: { t: '9' }, ranks: [], chunks: 0 };
    const snapshot = Buffer.from([123, 10, 0, 255]);
    const record = changelogRecord(Buffer.concat([Buffer.from(`${JSON.stringify(manifest)}\n`), snapshot])) as { inline?: Uint8Array };
    expect({ ...record, inline: undefined }).toEqual({ ...manifest, inline: undefined });
    expect(Buffer.from(record.inline!).equals(snapshot)).toBe(true);
  });

  it('reads manifests and format 1 chunks as JSON, and nothing else', () => {
    const manifest = { v: 2, id: 'a', offsets: { t: '5' }, ranks: [], chunks: 1 };
    expect(changelogRecord(Buffer.from(JSON.stringify(manifest)))).toEqual(manifest);
    expect(changelogRecord(Buffer.from(JSON.stringify({ id: 'a', data: 'AAEC' })))).toEqual({ id: 'a', data: 'AAEC' });
    expect(changelogRecord(Buffer.from('no newline here'))).toBeUndefined();
    expect(changelogRecord(Buffer.from('\nstarts with one'))).toBeUndefined();
    expect(() => changelogRecord(Buffer.from('{not json'))).toThrow();
  });
});
