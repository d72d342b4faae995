/** Runs a script over events with the real engine, collecting every query output in order. */
import { Engine, type EngineOptions } from '../../src/index.js';

export interface ScriptEvent {
  readonly stream: string;
  readonly data: Record<string, unknown>;
}

export interface ScriptOutput {
  readonly stream: string;
  readonly time: number;
  readonly data: Record<string, unknown>;
}

export type ScriptRunner = (source: string, events: readonly ScriptEvent[]) => ScriptOutput[];

export function engineRunner(options: EngineOptions = {}): ScriptRunner {
  return (source, events) => {
    const engine = new Engine(options);
    const deployed = engine.deploy(source);
    if (!deployed.ok) throw new Error(deployed.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
    const out: ScriptOutput[] = [];
    for (const stream of engine.outputStreams()) engine.subscribe(stream, (e) => out.push({ stream: e.stream, time: e.time, data: { ...e.data } }));
    for (const e of events) engine.push(e.stream, e.data);
    engine.end();
    return out;
  };
}
