/**
 * The web console highlights CQL with its own small tokenizer (src/server/console/console.js,
 * plain JavaScript with no build step, so it cannot import the lexer). Its keyword lists must
 * stay equal to the lexer's (LANGUAGE.md section 1): a keyword added to src/lang/tokens.ts
 * fails here until the console colours it too.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keywords } from '../../../src/lang/tokens.js';

const CONSOLE = readFileSync(resolve(import.meta.dirname, '../../../src/server/console/console.js'), 'utf8');

/** The string literals of `const NAME = [ ... ];` in console.js. */
function list(name: string): string[] {
  const body = new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(CONSOLE)?.[1];
  if (body === undefined) throw new Error(`console.js has no 'const ${name} = [...]'`);
  return [...body.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

describe('console keywords', () => {
  const reserved = list('RESERVED_KEYWORDS');
  const contextual = list('CONTEXTUAL_KEYWORDS');

  it('covers every reserved keyword of the lexer, and no other', () => {
    const lexer = keywords.filter((k) => k.reserved).map((k) => k.word);
    expect([...reserved].sort()).toEqual([...lexer].sort());
  });

  it('covers every contextual keyword of the lexer, and no other', () => {
    const lexer = keywords.filter((k) => !k.reserved).map((k) => k.word);
    expect([...contextual].sort()).toEqual([...lexer].sort());
  });

  it('lists each keyword once, in upper case', () => {
    const all = [...reserved, ...contextual];
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((w) => w !== w.toUpperCase())).toEqual([]);
  });
});
