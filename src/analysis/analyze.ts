/**
 * Semantic analysis of a script (LANGUAGE.md sections 2, 5-9): statement by statement, in
 * order, against the catalogue of streams and tables. Checks names and types, enforces the
 * query rules, and produces the bound form (bound.ts). Every error is reported; a statement
 * with an error is left out of the bound script, but the names it defines stay in the
 * catalogue (with what could be understood of them) so that later statements do not cascade.
 */
import type * as A from '../lang/ast.js';
import { didYouMean, type Diagnostic } from '../lang/diagnostics.js';
import { isColumnType, type Column, type ColumnType } from '../model/types.js';
import { closestMatch } from '../util/edit-distance.js';
import type { BoundQuery, BoundScript, BoundStatement, StreamDefinition } from './bound.js';
import type { Catalog } from './catalog.js';
import type { FunctionSignature } from './functions.js';
import { analyzeQuery } from './queries.js';
import { report, type AnalysisContext } from './context.js';
import { buildOptions, SOURCE_OPTIONS } from './options.js';

export interface AnalyzeOptions {
  readonly file: string;
  readonly source: string;
  readonly catalog: Catalog;
  readonly functions: ReadonlyMap<string, FunctionSignature>;
  /** Names whose definitions had syntax errors: reading them is not reported again. */
  readonly incompleteNames: ReadonlySet<string>;
  /** See CompileOptions.ignoreMissingDrops. */
  readonly ignoreMissingDrops: boolean;
}

export function analyzeScript(script: A.Script, options: AnalyzeOptions): { script: BoundScript; diagnostics: Diagnostic[] } {
  const ctx: AnalysisContext = {
    file: options.file,
    source: options.source,
    diagnostics: [],
    catalog: options.catalog,
    functions: new Map([...options.functions].map(([name, sig]) => [name.toUpperCase(), sig])),
    incompleteNames: options.incompleteNames,
    ignoreMissingDrops: options.ignoreMissingDrops,
  };
  const statements: BoundStatement[] = [];
  for (const statement of script.statements) {
    const before = ctx.diagnostics.length;
    const bound = analyzeStatement(ctx, statement);
    if (bound && ctx.diagnostics.length === before) statements.push(bound);
  }
  return { script: { statements }, diagnostics: ctx.diagnostics };
}

function analyzeStatement(ctx: AnalysisContext, statement: A.Statement): BoundStatement | undefined {
  switch (statement.kind) {
    case 'CreateStream':
      return createStream(ctx, statement);
    case 'CreateTable':
      return createTable(ctx, statement);
    case 'CreateStreamAs': {
      const query = createStreamAs(ctx, statement, true);
      return query && { kind: 'query', query, span: statement.span };
    }
    case 'SelectStatement': {
      const query = analyzeQuery(ctx, statement.query, { output: nextQueryName(ctx.catalog), options: {}, span: statement.span, register: true });
      return query && { kind: 'query', query, span: statement.span };
    }
    case 'ExplainStatement': {
      const inner = statement.statement;
      const query =
        inner.kind === 'CreateStreamAs'
          ? createStreamAs(ctx, inner, false)
          : analyzeQuery(ctx, inner.query, { output: nextQueryName(ctx.catalog), options: {}, span: inner.span, register: false });
      return query && { kind: 'explain', query, span: statement.span };
    }
    case 'DropStatement':
      return drop(ctx, statement);
    case 'UnsupportedStatement':
      report(ctx, 'notSupportedYet', statement.span, `${statement.what} ${statement.what.includes('(') ? 'is' : 'are'} not supported yet`);
      return undefined;
  }
}

/** `query_1`, `query_2`, …: the output name of a bare SELECT, the first free one. */
function nextQueryName(catalog: Catalog): string {
  for (let i = 1; ; i++) if (!catalog.has(`query_${i}`)) return `query_${i}`;
}

function checkNewName(ctx: AnalysisContext, name: A.Name, what: string): boolean {
  const existing = ctx.catalog.get(name.text);
  if (!existing) return true;
  const message = existing.system
    ? `'${name.text}' is a system stream and cannot be redefined`
    : `${existing.kind} '${name.text}' is already defined`;
  report(ctx, 'duplicateStream', name.span, message, existing.system ? undefined : `choose another name for the ${what}, or DROP the ${existing.kind} first`);
  return false;
}

// ------------------------------------------------------------------------------------ schemas

function buildColumns(ctx: AnalysisContext, defs: readonly A.ColumnDef[], allowPrimaryKey: boolean): Column[] {
  const columns: Column[] = [];
  for (const def of defs) {
    if (columns.some((c) => c.name === def.name.text)) {
      report(ctx, 'duplicateColumn', def.name.span, `column '${def.name.text}' is declared twice`);
      continue;
    }
    const typeName = def.type.text.toUpperCase();
    let type: ColumnType = 'JSON';
    if (isColumnType(typeName)) type = typeName;
    else {
      const hint = didYouMean(closestMatch(typeName, ['STRING', 'INT', 'DOUBLE', 'BOOLEAN', 'TIMESTAMP', 'JSON', 'VARCHAR', 'BIGINT', 'INTEGER']));
      const mapped = SQL_TYPE_ALIASES[typeName];
      report(ctx, 'unknownType', def.type.span, `unknown type '${def.type.text}'`, mapped ? `CQL calls it ${mapped}` : hint?.replace(/'(VARCHAR|BIGINT|INTEGER)'/, (_, t: string) => `'${SQL_TYPE_ALIASES[t]}'`) ?? 'types: STRING, INT, DOUBLE, BOOLEAN, TIMESTAMP, JSON');
    }
    if (def.primaryKey && !allowPrimaryKey) {
      report(ctx, 'invalidTable', def.span, 'PRIMARY KEY belongs to a table; a stream has none', 'use CREATE TABLE for the latest row per key');
    }
    columns.push({ name: def.name.text, type, notNull: def.notNull || def.primaryKey });
  }
  return columns;
}

const SQL_TYPE_ALIASES: Record<string, ColumnType> = {
  VARCHAR: 'STRING',
  TEXT: 'STRING',
  CHAR: 'STRING',
  INTEGER: 'INT',
  BIGINT: 'INT',
  LONG: 'INT',
  SMALLINT: 'INT',
  FLOAT: 'DOUBLE',
  REAL: 'DOUBLE',
  DECIMAL: 'DOUBLE',
  NUMERIC: 'DOUBLE',
  BOOL: 'BOOLEAN',
  DATETIME: 'TIMESTAMP',
};

// --------------------------------------------------------------------------------- statements

function streamDefinition(name: string, columns: Column[], options: Record<string, string | number | boolean>): StreamDefinition {
  const { timestamp, timestamp_format, timezone, ...connector } = options;
  return {
    name,
    schema: { columns },
    timestamp: typeof timestamp === 'string' ? timestamp : undefined,
    timestampFormat: typeof timestamp_format === 'string' ? timestamp_format : undefined,
    timezone: typeof timezone === 'string' ? timezone : undefined,
    options: connector,
  };
}

function createStream(ctx: AnalysisContext, s: A.CreateStream): BoundStatement | undefined {
  const fresh = checkNewName(ctx, s.name, 'stream');
  const columns = buildColumns(ctx, s.columns, false);
  const options = buildOptions(ctx, s.options, SOURCE_OPTIONS, columns, `stream '${s.name.text}'`);
  const stream = streamDefinition(s.name.text, columns, options);
  if (fresh) {
    ctx.catalog.add({ name: stream.name, kind: 'stream', schema: stream.schema, derived: false, reads: [], timestamp: stream.timestamp, primaryKey: undefined, system: false });
  }
  return { kind: 'createStream', stream, span: s.span };
}

function createTable(ctx: AnalysisContext, s: A.CreateTable): BoundStatement | undefined {
  const fresh = checkNewName(ctx, s.name, 'table');
  const defs = s.columns.map((c) => (s.primaryKey && c.name.text === s.primaryKey.text ? { ...c, primaryKey: true } : c));
  const columns = buildColumns(ctx, defs, true);
  const keys = s.columns.filter((c) => c.primaryKey);
  let primaryKey: string | undefined;
  if (s.primaryKey) {
    if (keys.length > 0) report(ctx, 'invalidTable', s.primaryKey.span, `table '${s.name.text}' has its PRIMARY KEY declared twice`);
    else if (!columns.some((c) => c.name === s.primaryKey!.text)) {
      report(ctx, 'unknownColumn', s.primaryKey.span, `PRIMARY KEY names column '${s.primaryKey.text}', which table '${s.name.text}' does not have`, didYouMean(closestMatch(s.primaryKey.text, columns.map((c) => c.name))));
    } else primaryKey = s.primaryKey.text;
  } else if (keys.length === 1) {
    primaryKey = keys[0]!.name.text;
  } else if (keys.length > 1) {
    report(ctx, 'invalidTable', keys[1]!.span, `table '${s.name.text}' has more than one PRIMARY KEY column; a table has exactly one`);
  } else {
    report(ctx, 'invalidTable', s.name.span, `table '${s.name.text}' needs a PRIMARY KEY`, 'mark the key column: card STRING PRIMARY KEY');
  }
  if (primaryKey !== undefined && columns.length < 2) {
    report(ctx, 'invalidTable', s.name.span, `table '${s.name.text}' needs a column besides its PRIMARY KEY`);
  }
  const options = buildOptions(ctx, s.options, SOURCE_OPTIONS, columns, `table '${s.name.text}'`);
  const table = { ...streamDefinition(s.name.text, columns, options), primaryKey: primaryKey ?? '' };
  if (fresh) {
    ctx.catalog.add({ name: table.name, kind: 'table', schema: table.schema, derived: false, reads: [], timestamp: table.timestamp, primaryKey, system: false });
  }
  return { kind: 'createTable', table, span: s.span };
}

function createStreamAs(ctx: AnalysisContext, s: A.CreateStreamAs, register: boolean): BoundQuery | undefined {
  const fresh = checkNewName(ctx, s.name, 'stream');
  const query = analyzeQuery(ctx, s.query, { output: s.name.text, outputName: s.name, options: s.options, span: s.span, register: register && fresh });
  return query;
}

function drop(ctx: AnalysisContext, s: A.DropStatement): BoundStatement | undefined {
  const entry = ctx.catalog.get(s.name.text);
  const what = s.target.toLowerCase();
  if (!entry) {
    if (ctx.incompleteNames.has(s.name.text) || ctx.ignoreMissingDrops) return undefined;
    const candidates = ctx.catalog.entries().filter((e) => e.kind === what && !e.system).map((e) => e.name);
    report(ctx, 'unknownStream', s.name.span, `unknown ${what} '${s.name.text}'`, didYouMean(closestMatch(s.name.text, candidates)));
    return undefined;
  }
  if (entry.system) {
    report(ctx, 'streamInUse', s.name.span, `'${s.name.text}' is a system stream and cannot be dropped`);
    return undefined;
  }
  if (entry.kind !== what) {
    report(ctx, 'unknownStream', s.name.span, `'${s.name.text}' is a ${entry.kind}, not a ${what}`, `write DROP ${entry.kind.toUpperCase()} ${s.name.text}`);
    return undefined;
  }
  const readers = ctx.catalog.readersOf(s.name.text);
  if (readers.length > 0) {
    report(ctx, 'streamInUse', s.name.span, `cannot drop ${what} '${s.name.text}': ${readers.map((r) => `'${r}'`).join(', ')} ${readers.length === 1 ? 'reads' : 'read'} it`, 'drop the streams that read it first');
    return undefined;
  }
  ctx.catalog.remove(s.name.text);
  return { kind: 'drop', target: s.target, name: s.name.text, span: s.span };
}

