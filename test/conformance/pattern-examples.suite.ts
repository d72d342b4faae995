/**
 * The 16 worked examples of LANGUAGE-EXAMPLES.md (normative), as one suite run against every
 * implementation: the engine and the reference interpreter must both produce exactly the listed
 * matches, with their times, in order.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScriptRunner } from './runner.js';

interface Example {
  readonly id: number;
  readonly title: string;
  readonly query: string;
  readonly schema: string;
  readonly input: readonly Record<string, unknown>[];
  readonly expected: readonly { readonly data: Record<string, unknown>; readonly time: number }[];
}

export const examples: Example[] = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/spec/pattern-examples.json'), 'utf8'));

export function patternExamplesSuite(name: string, run: ScriptRunner): void {
  describe(`${name}: LANGUAGE-EXAMPLES.md`, () => {
    it.each(examples.map((e) => [`${e.id}. ${e.title}`, e] as const))('%s', (_, example) => {
      const outputs = run(`${example.schema}\n${example.query};`, example.input.map((data) => ({ stream: 'S', data })));
      expect(outputs.map((o) => ({ data: o.data, time: o.time }))).toEqual(example.expected);
    });
  });
}
