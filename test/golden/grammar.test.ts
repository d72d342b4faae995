/**
 * The committed files in grammar/ (LANGUAGE.md section 1) are the ones that the tokens and the
 * parser generate today, and they have the properties editors and readers rely on.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DIAGRAM_RESOURCE_PATHS,
  railroadDiagramsHtml,
  textMateGrammar,
  type DiagramResources,
} from '../../src/lang/grammar-artifacts.js';
import { cqlParser } from '../../src/lang/parser.js';
import { keywords } from '../../src/lang/tokens.js';

const STALE = 'grammar/ is stale: run `npm run build && npm run grammar` and commit the result';
const grammarDir = fileURLToPath(new URL('../../grammar/', import.meta.url));

/** chevrotain's folder. Its exports map hides package.json, so walk up from its entry point. */
function chevrotainDir(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('chevrotain'));
  while (readPackageName(dir) !== 'chevrotain') {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the chevrotain package folder');
    dir = parent;
  }
  return dir;
}

function readPackageName(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

function readResources(): DiagramResources {
  const root = chevrotainDir();
  const read = (key: keyof DiagramResources): string => readFileSync(join(root, DIAGRAM_RESOURCE_PATHS[key]), 'utf8');
  return {
    railroadJs: read('railroadJs'),
    builderJs: read('builderJs'),
    behaviorJs: read('behaviorJs'),
    mainJs: read('mainJs'),
    css: read('css'),
  };
}

function committed(name: string): string {
  try {
    return readFileSync(join(grammarDir, name), 'utf8');
  } catch {
    return '';
  }
}

/** The first line where two texts differ, for a short failure message instead of a huge diff. */
function firstDifference(actual: string, expected: string): string | undefined {
  if (actual === expected) return undefined;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(a[at])}, generated ${JSON.stringify(e[at])}`;
}

interface TextMateGrammar {
  readonly scopeName: string;
  readonly fileTypes: readonly string[];
  readonly repository: { readonly keywords: { readonly patterns: readonly { readonly match: string }[] } };
}

/** The grammar's keyword rules as JavaScript regexps: Oniguruma's leading `(?i)` becomes the flag. */
function keywordRegexps(grammar: TextMateGrammar): RegExp[] {
  return grammar.repository.keywords.patterns.map((p) => {
    expect(p.match.startsWith('(?i)')).toBe(true);
    return new RegExp(`^(?:${p.match.slice('(?i)'.length)})$`, 'i');
  });
}

describe('grammar/', () => {
  const resources = readResources();
  const html = railroadDiagramsHtml(resources);
  const grammar = textMateGrammar() as TextMateGrammar;

  it('cql-diagrams.html is up to date', () => {
    expect(firstDifference(committed('cql-diagrams.html'), html), STALE).toBeUndefined();
  });

  it('cql.tmLanguage.json is up to date', () => {
    const json = `${JSON.stringify(grammar, null, 2)}\n`;
    expect(firstDifference(committed('cql.tmLanguage.json'), json), STALE).toBeUndefined();
  });

  it('the diagrams page loads nothing from the network', () => {
    expect(html).not.toMatch(/<script\b[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?https?:\/\//i);
    for (const text of Object.values(resources)) expect(html).toContain(text.trimEnd());
  });

  it('the diagrams page has every parser rule', () => {
    const rules = Object.keys(cqlParser.getGAstProductions());
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) expect(html).toContain(`"name": "${rule}"`);
  });

  it('the diagrams page is deterministic', () => {
    expect(railroadDiagramsHtml(resources)).toBe(html);
  });

  it('the TextMate grammar is for .cql files', () => {
    expect(grammar.scopeName).toBe('source.cql');
    expect(grammar.fileTypes).toEqual(['cql']);
  });

  it('the TextMate grammar matches keywords case-insensitively, as whole words', () => {
    const regexps = keywordRegexps(grammar);
    const isKeyword = (word: string): boolean => regexps.some((r) => r.test(word));
    for (const word of ['select', 'WITHIN', 'Pattern', 'tumbling', 'null']) expect(isKeyword(word), word).toBe(true);
    for (const word of ['selects', 'xselect', 'select_', 'patterns']) expect(isKeyword(word), word).toBe(false);
    for (const k of keywords) expect(isKeyword(k.word.toLowerCase()), k.word).toBe(true);
  });

  it('the TextMate grammar keyword rules find a keyword inside a line', () => {
    const rules = grammar.repository.keywords.patterns.map((p) => new RegExp(p.match.slice('(?i)'.length), 'gi'));
    const found = rules.flatMap((r) => [...'SELECT selects FROM x WHERE y IS NULL'.matchAll(r)].map((m) => m[0]));
    expect(found.sort()).toEqual(['FROM', 'IS', 'NULL', 'SELECT', 'WHERE']);
  });
});
