/**
 * Cepheus: a complex event processing engine. The public API, as named re-exports only.
 */
export { compileScript, type CompileOptions, type CompileResult } from './analysis/compile-script.js';
export { Catalog, type CatalogEntry } from './analysis/catalog.js';
export { parseScript, type ParseResult } from './lang/parse.js';
export { renderDiagnostic, CATALOGUE, type Diagnostic, type DiagnosticCategory } from './lang/diagnostics.js';
export type { Span } from './model/span.js';
export type { CqlType, ColumnType, Column, Schema } from './model/types.js';
export type * as Ast from './lang/ast.js';
export { Engine, type EngineOptions, type EngineStats, type Deployment, type DeployResult, type Origin, type OutputEvent, type QueryInfo, type Subscriber } from './engine/engine.js';
export { explainScript, explainQuery } from './compile/explain.js';
export type { BoundScript, BoundQuery, BoundStatement, BoundExpr } from './analysis/bound.js';
export type { FunctionSignature } from './analysis/functions.js';
export { CepheusClient, CepheusError, type ConnectOptions } from './client/client.js';
export type { OutputEvent as WireOutputEvent, WireDiagnostic, ListPayload, DeployResultPayload, PublishResultPayload, ErrorPayload, ErrorCode, SlowPolicy } from './client/protocol.js';
export type { Source, SourceContext, Sink, SinkEvent } from './io/connectors.js';
export type { KafkaClient, KafkaConsumer, KafkaProducer, KafkaSettings } from './io/kafka.js';
