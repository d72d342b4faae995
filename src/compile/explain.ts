/**
 * EXPLAIN (LANGUAGE.md section 9): the plan of each query. For a pattern, the automaton — its
 * states and transitions (take, ignore, kill, proceed) with their conditions as written and as
 * compiled — the partition key, the strategy, and the WHERE conjuncts pushed down into elements.
 * For other queries, the operator chain and the state it keeps.
 */
import type { AggregateQuery, BoundExpr, BoundQuery, BoundScript, JoinQuery, PatternQuery } from '../analysis/bound.js';
import type { Span } from '../model/span.js';
import { predicateSource } from './expressions.js';
import { patternIndexes } from './pattern.js';

const STRATEGY_WORDS = {
  SKIP_TILL_NEXT_MATCH: 'SKIP TILL NEXT MATCH: an event no take accepts is ignored; a Kleene element takes every qualifying event',
  SKIP_TILL_ANY_MATCH: 'SKIP TILL ANY MATCH: any event may also be ignored (a fork keeps the run as it was)',
  STRICT_CONTIGUITY: 'STRICT CONTIGUITY: an event no take accepts ends the run',
} as const;

function duration(ms: number): string {
  const units: [number, string][] = [[86_400_000, 'DAYS'], [3_600_000, 'HOURS'], [60_000, 'MINUTES'], [1000, 'SECONDS']];
  for (const [size, name] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name} (${ms} ms)`;
  return `${ms} MILLISECONDS`;
}

function textOf(q: BoundQuery, span: Span): string {
  return q.text.slice(span.start - q.span.start, span.end - q.span.start).replace(/\s+/g, ' ');
}

function condition(q: BoundQuery, e: BoundExpr | undefined): string {
  return e ? `[${textOf(q, e.span)}]` : '(any event)';
}

export function explainScript(script: BoundScript): string {
  const parts: string[] = [];
  for (const s of script.statements) {
    if (s.kind === 'query' || s.kind === 'explain') parts.push(explainQuery(s.query));
  }
  return parts.join('\n');
}

export function explainQuery(q: BoundQuery): string {
  const lines = [`query ${q.output} (${q.kind})`, `  reads: ${q.reads.join(', ')}`];
  switch (q.kind) {
    case 'pattern':
      lines.push(...explainPattern(q));
      break;
    case 'filter':
      lines.push(`  operators: read ${q.input} -> filter ${condition(q, q.where)} -> project`, '  state: none');
      if (q.where) lines.push('  compiled WHERE:', ...predicateSource(q.where).split('\n').map((l) => `    ${l}`));
      break;
    case 'aggregate':
      lines.push(...explainAggregate(q));
      break;
    case 'join':
      lines.push(...explainJoin(q));
      break;
  }
  lines.push(`  output: ${q.outputSchema.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

function windowWords(q: AggregateQuery): { window: string; state: string } {
  const w = q.window;
  if (w === undefined) return { window: 'none: running aggregates per key', state: 'one accumulator per aggregate and key' };
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  switch (w.kind) {
    case 'tumbling':
      return { window: `TUMBLING ${duration(w.size)}, epoch-aligned, closes when the watermark reaches its end`, state: 'per key, the accumulators of the open window' };
    case 'hopping':
      return {
        window: `HOPPING ${duration(w.size)} every ${duration(w.advance)}, epoch-aligned, closes when the watermark reaches its end`,
        state: `per key, panes of ${duration(gcd(w.size, w.advance))} (one accumulator set each, ${w.size / gcd(w.size, w.advance)} panes per window, merged when a window is emitted)`,
      };
    case 'session':
      return { window: `SESSION, gap ${duration(w.gap)}, closes when the watermark passes the last event plus the gap`, state: 'per key, the open session\'s accumulators' };
    case 'sliding':
      return {
        window: `SLIDING ${duration(w.size)}: for each event e, (e.ts - size, e.ts]`,
        state: "per key, the window's events: two-stacks partial sums (SUM, AVG, STDDEV), monotonic deques (MIN, MAX), queues (COUNT, FIRST, LAST)",
      };
    case 'slidingCount':
      return { window: `SLIDING ${w.size} EVENTS per key`, state: "per key, the last events' values: two-stacks partial sums, monotonic deques, queues" };
    case 'tumblingCount':
      return { window: `TUMBLING ${w.size} EVENTS per key, emitted when full`, state: 'per key, the accumulators of the current window' };
  }
}

function explainAggregate(q: AggregateQuery): string[] {
  const { window, state } = windowWords(q);
  const aggregates = q.aggregates.map((a) => textOf(q, a.span));
  return [
    `  operators: read ${q.input} -> filter ${condition(q, q.where)} -> group by ${q.groupBy.length === 0 ? '(one group)' : q.groupBy.map((g) => textOf(q, g.span)).join(', ')} -> window -> aggregate -> having ${q.having ? condition(q, q.having) : '(every row)'} -> emit ${q.emit} -> project`,
    `  window: ${window}`,
    `  aggregates: ${aggregates.join(', ')}`,
    `  emit: ${q.emit === 'FINAL' ? 'one row per window and key when the window closes, at WINDOW_END' : 'the updated row on every event, at its time'}`,
    `  state: ${state}`,
  ];
}

function explainJoin(q: JoinQuery): string[] {
  if (q.right.table) {
    return [
      `  operators: read ${q.left.stream} -> look up ${q.right.stream} by ${textOf(q, q.tableKey!.span)} -> ON ${condition(q, q.on)} -> ${q.joinType} -> where ${condition(q, q.where)} -> project`,
      `  state: none (the table ${q.right.stream} holds the latest row per primary key)`,
    ];
  }
  const hashed = q.equiKeys.filter((k) => k.left.type !== 'JSON' && k.right.type !== 'JSON');
  return [
    `  operators: ${q.left.stream} ${q.joinType} JOIN ${q.right.stream} WITHIN ${duration(q.within ?? 0)} -> ON ${condition(q, q.on)} -> where ${condition(q, q.where)} -> project`,
    `  hash keys: ${hashed.map((k) => `${textOf(q, k.left.span)} = ${textOf(q, k.right.span)}`).join(', ') || 'none (every pair within WITHIN is tested)'}`,
    `  state: each side's events for WITHIN of event time, in hash buckets by key${q.joinType === 'LEFT' ? '; a left event without a partner is emitted with NULLs once the watermark passes its time plus WITHIN' : ''}`,
  ];
}

function explainPattern(q: PatternQuery): string[] {
  const lines: string[] = [];
  const keys = Object.entries(q.partitionBy);
  lines.push(`  partition by: ${keys.length === 0 ? 'none (one partition)' : keys.map(([s, cols]) => cols.map((c) => `${s}.${c}`).join(', ')).join('; ')}`);
  lines.push(`  within: ${duration(q.within)}`);
  lines.push(`  strategy: ${STRATEGY_WORDS[q.strategy]}`);
  lines.push(`  after a match: ${q.skipPastLastEvent ? 'SKIP PAST LAST EVENT (one match per event; runs started at or before it are discarded)' : 'every match is emitted'}`);
  const atomName = (slot: number): string => {
    const a = q.atoms[slot]!;
    return a.alias ? `${a.alias}=${a.stream}` : a.stream;
  };
  const elementName = (i: number): string => {
    const e = q.elements[i]!;
    if (e.kind === 'atom' || e.kind === 'not') return atomName(e.slot);
    return `(${e.slots.map(atomName).join(e.kind === 'or' ? ' OR ' : ' AND ')})`;
  };
  const min = (i: number) => {
    const e = q.elements[i]!;
    return e.kind === 'atom' ? e.min : 1;
  };
  const n = q.elements.length;
  const completes = (i: number) => q.elements.slice(i + 1).every((e) => e.kind !== 'not' && (e.kind !== 'atom' || e.min === 0));
  lines.push('  states (a run stands at the last element it bound):');
  lines.push('    s0  start');
  q.elements.forEach((e, i) => {
    if (e.kind === 'not') return;
    const tags = [e.kind === 'atom' && e.max > 1 ? `Kleene {${e.min},${e.max === Infinity ? '' : e.max}}` : '', completes(i) ? 'final: a match is emitted' : '', q.elements[i + 1]?.kind === 'not' && i + 1 === n - 1 ? 'waits for WITHIN with no NOT event, then matches' : ''].filter(Boolean);
    lines.push(`    s${i + 1}  ${elementName(i)}${tags.length ? `  (${tags.join('; ')})` : ''}`);
  });
  lines.push('  transitions:');
  const takesFrom = (i: number): number[] => {
    const out: number[] = [];
    for (let j = i + 1; j < n; j++) {
      if (q.elements[j]!.kind === 'not') continue;
      out.push(j);
      if (min(j) > 0) break;
    }
    return out;
  };
  const describeTake = (from: string, j: number): void => {
    const e = q.elements[j]!;
    const slots = e.kind === 'or' || e.kind === 'and' ? e.slots : [e.slot];
    for (const slot of slots) {
      lines.push(`    ${from} --take ${atomName(slot)}--> s${j + 1}   when ${condition(q, q.atoms[slot]!.condition)}`);
    }
  };
  describeTake('s0', 0);
  q.elements.forEach((e, i) => {
    if (e.kind === 'not') return;
    if (e.kind === 'atom' && e.max > 1) lines.push(`    s${i + 1} --take ${atomName(e.slot)} again--> s${i + 1}   when ${condition(q, q.atoms[e.slot]!.condition)}`);
    for (const j of takesFrom(i)) {
      const passed = q.elements.slice(i + 1, j).filter((x) => x.kind !== 'not');
      if (passed.length > 0) lines.push(`    s${i + 1} --proceed past ${passed.map((_, k) => elementName(i + 1 + k)).join(', ')} (binds nothing)`);
      describeTake(`s${i + 1}`, j);
    }
    const next = q.elements[i + 1];
    if (next?.kind === 'not') lines.push(`    s${i + 1} --kill on NOT ${atomName(next.slot)}-->   when ${condition(q, q.atoms[next.slot]!.condition)}`);
  });
  lines.push(`    any state --expire--> when the watermark passes first.ts + ${q.within} ms`);
  const pushed = q.conjuncts.map((c) => `    ${textOf(q, c.expr.span)}  ->  ${c.element === n ? 'completion' : `element ${c.element + 1} ${elementName(c.element)}`}`);
  lines.push(`  WHERE pushed down into elements:${pushed.length === 0 ? ' none' : ''}`, ...pushed);
  lines.push('  compiled conditions (the JavaScript that runs):');
  const indexes = patternIndexes(q);
  q.atoms.forEach((a, slot) => {
    if (a.condition) lines.push(`    ${atomName(slot)}:`, ...predicateSource(a.condition, indexes).split('\n').map((l) => `      ${l}`));
  });
  return lines;
}
