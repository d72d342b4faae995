import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/index.js';

it('docs/errors.md lists every diagnostic code of the catalogue, and no other', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| (CQL\d{4}) \|/gm)].map((m) => m[1]).sort();
  const codes = Object.values(CATALOGUE).map((e) => e.code).sort();
  expect(documented).toEqual(codes);
});

it('codes are unique and grouped by phase', () => {
  const codes = Object.values(CATALOGUE).map((e) => e.code);
  expect(new Set(codes).size).toBe(codes.length);
  for (const entry of Object.values(CATALOGUE)) {
    const phase = entry.code[3];
    const expected = entry.category === 'syntax' ? '1' : entry.category === 'internal' ? '9' : ['unknown-name', 'duplicate-name', 'type-mismatch'].includes(entry.category) ? '2' : '3';
    expect(`${entry.code} ${phase}`).toBe(`${entry.code} ${expected}`);
  }
});
