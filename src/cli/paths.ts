/** Command-line paths: a folder stands for its .cql files in name order. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function expandPaths(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      const entries = readdirSync(path).filter((f) => f.endsWith('.cql')).sort();
      files.push(...entries.map((f) => join(path, f)));
    } else {
      files.push(path);
    }
  }
  return files;
}
