/**
 * The command line end to end on files: each folder holds a script, its NDJSON input, the
 * reviewed expected output and the expected reports on standard error (case.json).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const HERE = resolve(import.meta.dirname);
const cases = readdirSync(HERE).filter((d) => statSync(join(HERE, d)).isDirectory());

describe('cepheus run on test/e2e', () => {
  it.each(cases)('%s', (name) => {
    const dir = join(HERE, name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as { inputs: string[]; stderr: string[] };
    const inputs = spec.inputs.flatMap((i) => ['--input', i.includes('=') ? i.replace('=', `=${dir}/`) : join(dir, i)]);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/cepheus.js'), 'run', join(dir, 'script.cql'), ...inputs], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(dir, 'expected.ndjson'), 'utf8'));
    for (const line of spec.stderr) expect(r.stderr).toContain(line);
  });
});
