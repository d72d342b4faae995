/**
 * Bad scripts and their diagnostics as reviewed golden files (LANGUAGE.md section 9: every
 * error is reported, with line and column, and a script with an error deploys nothing).
 *
 * Each `diagnostics/NNN-short-name.cql` begins with comment lines stating the diagnostics it
 * must produce, in the order `compileScript` returns them (by position, then code):
 *
 *     -- expect: CQL2002 3:8
 *
 * The expectations were written from the specification — the position is where the offending
 * text starts — not copied from the analyser's output. Beside each script,
 * `NNN-short-name.golden.txt` holds the diagnostics as `cepheus check` renders them, so that
 * messages, underlines and hints are reviewed too (regenerate with `vitest -u`, then read them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileScript, renderDiagnostic } from '../../src/index.js';
import { CATALOGUE } from '../../src/lang/diagnostics.js';

const DIR = fileURLToPath(new URL('./diagnostics/', import.meta.url));

interface BadScript {
  readonly file: string;
  readonly name: string;
  readonly text: string;
  /** `CQL2002 3:8`, in order. */
  readonly expected: readonly string[];
}

const EXPECT = /^-- expect: (CQL\d{4} \d+:\d+)\s*$/;

function readScript(file: string): BadScript {
  const text = readFileSync(DIR + file, 'utf8');
  const header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('--')) break;
    header.push(line);
  }
  const expected = header.filter((l) => l.startsWith('-- expect:')).map((l) => {
    const m = EXPECT.exec(l);
    if (!m) throw new Error(`${file}: malformed expectation '${l}'`);
    return m[1]!;
  });
  return { file, name: file.replace(/\.cql$/, ''), text, expected };
}

const scripts = readdirSync(DIR)
  .filter((f) => f.endsWith('.cql'))
  .sort()
  .map(readScript);

describe('bad scripts', () => {
  it('has at least 70 scripts, named NNN-short-name.cql, each expecting at least one diagnostic', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(70);
    for (const s of scripts) {
      expect(s.file).toMatch(/^\d{3}-[a-z0-9]+(?:-[a-z0-9]+)*\.cql$/);
      expect(s.expected.length, s.file).toBeGreaterThan(0);
    }
    const numbers = scripts.map((s) => s.file.slice(0, 3));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('cover every code of the catalogue but the internal error', () => {
    const covered = new Set(scripts.flatMap((s) => s.expected.map((e) => e.split(' ')[0])));
    const codes = Object.values(CATALOGUE)
      .map((entry) => entry.code)
      .filter((code) => code !== 'CQL9999');
    expect(codes.filter((code) => !covered.has(code))).toEqual([]);
  });

  it('include a script with errors in at least six statements', () => {
    const lines = (s: BadScript) => new Set(s.expected.map((e) => e.split(' ')[1]!.split(':')[0]));
    expect(scripts.some((s) => s.expected.length >= 6 && lines(s).size >= 6)).toBe(true);
  });

  describe.each(scripts)('$file', ({ file, name, text, expected }) => {
    const result = compileScript(text, { file });

    it('reports exactly the expected diagnostics, and deploys nothing', () => {
      expect(result.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(expected);
      expect(result.ok).toBe(false);
    });

    it('renders them as reviewed', async () => {
      const rendered = `${result.diagnostics.map((d) => renderDiagnostic(d, text)).join('\n\n')}\n`;
      await expect(rendered).toMatchFileSnapshot(`./diagnostics/${name}.golden.txt`);
    });
  });
});
