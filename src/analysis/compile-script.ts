/**
 * The front end in one call: text to a validated, typed script, or every diagnostic
 * (LANGUAGE.md section 9). Never throws on user input: an unexpected failure inside becomes a
 * CQL9999 diagnostic, which the fuzz tests treat as a bug.
 */
import { parseScript } from '../lang/parse.js';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../lang/diagnostics.js';
import { EMPTY_SPAN } from '../model/span.js';
import { analyzeScript } from './analyze.js';
import type { BoundScript } from './bound.js';
import { Catalog } from './catalog.js';
import type { FunctionSignature } from './functions.js';

export interface CompileOptions {
  /** The file name diagnostics carry. */
  readonly file?: string;
  /** Streams and tables already deployed; the script's definitions are added to a copy. */
  readonly catalog?: Catalog;
  /** User-defined functions, by name. */
  readonly functions?: ReadonlyMap<string, FunctionSignature>;
  /**
   * A `DROP` of a name that does not exist is passed over, not an error: for replaying the
   * scripts of the deployments still alive (`Engine.replica`), where a name one of them drops
   * may have been made by a deployment since undeployed.
   */
  readonly ignoreMissingDrops?: boolean;
}

export interface CompileResult {
  /** True when there are no diagnostics: only then may the script be deployed. */
  readonly ok: boolean;
  readonly diagnostics: readonly Diagnostic[];
  /** The analysed script: complete when `ok`, and the valid statements' part otherwise. */
  readonly script: BoundScript;
  /** The catalogue after the script's valid statements. */
  readonly catalog: Catalog;
}

export function compileScript(source: string, options: CompileOptions = {}): CompileResult {
  const file = options.file ?? '<script>';
  const catalog = options.catalog ? options.catalog.clone() : new Catalog();
  try {
    const parsed = parseScript(source, file);
    const analysed = analyzeScript(parsed.script, {
      file,
      source,
      catalog,
      functions: options.functions ?? new Map(),
      incompleteNames: parsed.incompleteNames,
      ignoreMissingDrops: options.ignoreMissingDrops ?? false,
    });
    const diagnostics = sortDiagnostics([...parsed.diagnostics, ...analysed.diagnostics]);
    return { ok: diagnostics.length === 0, diagnostics, script: analysed.script, catalog };
  } catch (e) {
    const message = `internal error in the front end: ${e instanceof Error ? e.message : String(e)}`;
    return {
      ok: false,
      diagnostics: [diagnostic('internalError', file, EMPTY_SPAN, message)],
      script: { statements: [] },
      catalog,
    };
  }
}
