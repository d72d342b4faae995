/**
 * The `cepheus` command line. `check FILE...` analyses scripts and prints every diagnostic
 * (LANGUAGE.md section 9). Exit codes: 0 clean, 1 errors in the scripts, 2 usage errors.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compileScript, renderDiagnostic, Catalog, explainScript } from '../index.js';
import { processIo, type Io } from './io.js';
import { expandPaths } from './paths.js';
import { run } from './run.js';
import { serve } from './serve.js';

const USAGE = `usage: cepheus <command> [options]

commands:
  check FILE|DIR...   analyse CQL scripts and report every error; files are checked in the
                      order given, as successive deployments into one catalogue (a directory
                      stands for its .cql files in name order)
  run SCRIPT [--input FILE | --input STREAM=FILE]... [--lateness DURATION]
                      run a script over NDJSON events (standard input by default) and print
                      every output event as a JSON line; several inputs are merged by time
  explain SCRIPT      print the plan of every query: a pattern's automaton, its conditions
                      as compiled, the partition key, the strategy, what was pushed down
  serve [--port N] [--host H] [--queries DIR|FILE]... [--token T | --tokens-file F]
        [--read-only-token T] [--lateness DURATION] [--publish-rate N]
        [--kafka-brokers H:P,...] [--kafka-group G] [--demo] [--demo-rate N] [--demo-speed K]
                      run the engine as a server: WebSocket API, web console at /,
                      /healthz and /metrics (docs/protocol.md); --demo feeds it live data
  help                print this help
`;

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'check':
      return check(rest, io);
    case 'run':
      return run(rest, io);
    case 'explain':
      return explain(rest, io);
    case 'serve':
      return serve(rest, io);
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE);
      return 0;
    case undefined:
      io.err(USAGE);
      return 2;
    default:
      io.err(`cepheus: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}


function check(args: readonly string[], io: Io): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { quiet: { type: 'boolean', short: 'q' } } });
  } catch (e) {
    io.err(`cepheus check: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    io.err('cepheus check: no files given\nusage: cepheus check FILE|DIR...\n');
    return 2;
  }
  let files: string[];
  try {
    files = expandPaths(parsed.positionals);
  } catch (e) {
    io.err(`cepheus check: ${(e as Error).message}\n`);
    return 2;
  }
  let catalog = new Catalog();
  let errors = 0;
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      io.err(`cepheus check: cannot read ${file}: ${(e as Error).message}\n`);
      return 2;
    }
    const result = compileScript(source, { file, catalog });
    catalog = result.catalog;
    for (const d of result.diagnostics) io.out(`${renderDiagnostic(d, source)}\n\n`);
    errors += result.diagnostics.length;
  }
  if (errors > 0) {
    io.err(`${errors} error${errors === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  if (!parsed.values.quiet) io.err(`${files.length} file${files.length === 1 ? '' : 's'} checked: no errors\n`);
  return 0;
}

function explain(args: readonly string[], io: Io): number {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    io.err('usage: cepheus explain SCRIPT\n');
    return 2;
  }
  const file = args[0]!;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (e) {
    io.err(`cepheus explain: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const result = compileScript(source, { file });
  if (!result.ok) {
    for (const d of result.diagnostics) io.err(`${renderDiagnostic(d, source)}\n\n`);
    return 1;
  }
  io.out(explainScript(result.script));
  return 0;
}
