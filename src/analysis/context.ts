/** What every step of semantic analysis shares: the file, the diagnostics, the catalogue. */
import { diagnostic, type Diagnostic, type DiagnosticKind } from '../lang/diagnostics.js';
import type { Span } from '../model/span.js';
import type { Catalog } from './catalog.js';
import type { FunctionSignature } from './functions.js';

/** What every analysis step shares. */
export interface AnalysisContext {
  readonly file: string;
  readonly source: string;
  readonly diagnostics: Diagnostic[];
  readonly catalog: Catalog;
  /** User-defined functions by upper-case name. */
  readonly functions: ReadonlyMap<string, FunctionSignature>;
  readonly incompleteNames: ReadonlySet<string>;
  /** See CompileOptions.ignoreMissingDrops. */
  readonly ignoreMissingDrops: boolean;
}

export function report(ctx: AnalysisContext, kind: DiagnosticKind, span: Span, message: string, hint?: string): void {
  ctx.diagnostics.push(diagnostic(kind, ctx.file, span, message, hint));
}
