// Writes grammar/cql-diagrams.html and grammar/cql.tmLanguage.json from the built parser and
// tokens (LANGUAGE.md section 1). Run `npm run build && npm run grammar`; with `--check` it
// writes nothing and exits 1 when a committed file differs from a freshly generated one.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DIAGRAM_RESOURCE_PATHS,
  railroadDiagramsHtml,
  textMateGrammar,
} from '../dist/lang/grammar-artifacts.js';

const grammarDir = fileURLToPath(new URL('../grammar/', import.meta.url));

/** chevrotain's folder. Its exports map hides package.json, so walk up from its entry point. */
function chevrotainDir() {
  let dir = dirname(createRequire(import.meta.url).resolve('chevrotain'));
  while (!isChevrotainRoot(dir)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the chevrotain package folder');
    dir = parent;
  }
  return dir;
}

function isChevrotainRoot(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'chevrotain';
  } catch {
    return false;
  }
}

function generate() {
  const root = chevrotainDir();
  const resources = Object.fromEntries(
    Object.entries(DIAGRAM_RESOURCE_PATHS).map(([key, path]) => [key, readFileSync(join(root, path), 'utf8')]),
  );
  return {
    'cql-diagrams.html': railroadDiagramsHtml(resources),
    'cql.tmLanguage.json': `${JSON.stringify(textMateGrammar(), null, 2)}\n`,
  };
}

function readIfExists(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const files = generate();
if (process.argv.includes('--check')) {
  const stale = Object.keys(files).filter((name) => readIfExists(join(grammarDir, name)) !== files[name]);
  for (const name of stale) console.error(`grammar/${name} is stale: run \`npm run build && npm run grammar\``);
  process.exit(stale.length > 0 ? 1 : 0);
}
mkdirSync(grammarDir, { recursive: true });
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(grammarDir, name), text);
  console.log(`wrote grammar/${name}`);
}
