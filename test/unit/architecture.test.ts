/**
 * The layers of src/ (STYLE.md): each folder imports only the ones below it, third-party
 * clients stay in their folder, and there are no import cycles.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** What each top-level folder may import from src/. */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  model: ['util'],
  lang: ['model', 'util'],
  analysis: ['lang', 'model', 'util'],
  plan: ['analysis', 'lang', 'model', 'util'],
  runtime: ['model', 'util'],
  operators: ['runtime', 'model', 'util'],
  compile: ['plan', 'analysis', 'operators', 'runtime', 'lang', 'model', 'util'],
  io: ['runtime', 'model', 'util'],
  engine: ['compile', 'plan', 'analysis', 'operators', 'runtime', 'io', 'lang', 'model', 'util'],
  'index.ts': ['*'],
  cli: ['index.ts', 'server', 'demo', 'connect', 'io'],
  connect: ['index.ts', 'io'],
  server: ['index.ts', 'client'],
  client: [],
  demo: ['model', 'util'],
};

/** Third-party packages and the folder each is confined to (luxon in model for zone names, which the analyser checks). */
const CONFINED: Record<string, string> = { chevrotain: 'lang', kafkajs: 'io', luxon: 'model|runtime|operators|compile', ws: 'server|client', 'prom-client': 'server', mqtt: 'connect' };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0]! : rel;
}

describe('architecture', () => {
  const all = files(SRC);

  it('every folder has a declared place in the layers', () => {
    expect(all.map(layerOf).filter((layer) => !(layer in ALLOWED))).toEqual([]);
  });

  it('imports go only downwards', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = layerOf(file);
      for (const spec of imports(file)) {
        if (spec.startsWith('.')) {
          const to = layerOf(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
          const allowed = ALLOWED[from] ?? [];
          if (to !== from && !allowed.includes('*') && !allowed.includes(to)) violations.push(`${relative(SRC, file)} imports ${to}`);
        } else {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          const home = CONFINED[pkg];
          if (home && !new RegExp(`^(${home})$`).test(from)) violations.push(`${relative(SRC, file)} imports ${pkg}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no import cycles', () => {
    const graph = new Map<string, string[]>();
    for (const file of all) {
      const deps = imports(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
      graph.set(file, deps);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of all) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
