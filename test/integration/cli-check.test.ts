/** `cepheus check`, run as users run it: the built binary in a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cepheus.js');

function cepheus(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cepheus-check-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('cepheus check', () => {
  it('exits 0 on the bundled queries', () => {
    const r = cepheus('check', 'queries');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/files checked: no errors/);
    expect(r.code).toBe(0);
  });

  it('prints every error with its position, the line, a caret underline and a suggestion, and exits 1', () => {
    const path = file(
      'bad.cql',
      "CREATE STREAM Txn (card STRING, amount DOUBLE, ts TIMESTAMP) WITH (timestamp = 'ts');\n" +
        'SELECT amout FROM Txn;\n' +
        'SELECT card FROM Txn WHERE amount > ;\n',
    );
    const r = cepheus('check', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path}:2:8: error[CQL2002]: unknown column 'amout' in 'Txn'\n2 | SELECT amout FROM Txn;\n  |        ^^^^^\n  = help: did you mean 'amount'?`);
    expect(r.stdout).toContain(`${path}:3:37: error[CQL1010]: unexpected ';': expected an expression`);
    expect(r.stderr).toBe('2 errors in 1 file\n');
  });

  it('checks several files as successive deployments into one catalogue', () => {
    const streams = file('a.cql', "CREATE STREAM S (x INT, ts TIMESTAMP) WITH (timestamp = 'ts');");
    const query = file('b.cql', 'CREATE STREAM big AS SELECT x FROM S WHERE x > 1;');
    expect(cepheus('check', streams, query).code).toBe(0);
    expect(cepheus('check', query).code).toBe(1);
  });

  it.each([
    [[], /usage: cepheus/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['check'], /no files given/],
    [['check', '/nonexistent/file.cql'], /no such file/i],
    [['check', '--bogus', 'x.cql'], /Unknown option '--bogus'/],
  ])('exits 2 on a usage error: %j', (args, message) => {
    const r = cepheus(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
