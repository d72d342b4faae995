/**
 * Every rule in queries/ analyses clean, deployed in name order as the server deploys them;
 * and EXPLAIN of a representative set is a reviewed golden file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog, compileScript, explainScript } from '../../src/index.js';

const QUERIES = resolve(import.meta.dirname, '../../queries');
const files = readdirSync(QUERIES).filter((f) => f.endsWith('.cql')).sort();

describe('queries/', () => {
  it('has the realistic rules the issue asks for', () => {
    expect(files.length).toBeGreaterThanOrEqual(11);
  });

  it('every file analyses clean, in name order, into one catalogue', () => {
    let catalog = new Catalog();
    for (const file of files) {
      const result = compileScript(readFileSync(join(QUERIES, file), 'utf8'), { file, catalog });
      expect({ file, diagnostics: result.diagnostics }).toEqual({ file, diagnostics: [] });
      catalog = result.catalog;
    }
  });

  it.each([
    'fraud-card-testing.cql',
    'fraud-account-takeover.cql',
    'fraud-risky-cash-out.cql',
    'trading-momentum-break.cql',
    'trading-pump-and-dump.cql',
    'trading-unfilled-orders.cql',
    'trading-vwap.cql',
    'trading-order-fills.cql',
  ])('EXPLAIN %s', async (file) => {
    const schema = readFileSync(join(QUERIES, '00-streams.cql'), 'utf8');
    const first = compileScript(schema);
    const result = compileScript(readFileSync(join(QUERIES, file), 'utf8'), { file, catalog: first.catalog });
    expect(result.diagnostics).toEqual([]);
    await expect(explainScript(result.script)).toMatchFileSnapshot(`./explain/${file.replace('.cql', '')}.golden.txt`);
  });
});
