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

/**
 * Like `engineRunner`, but the engine is checkpointed before each event index in `cuts`, and a
 * new engine restored from the checkpoint (with nothing else carried over) goes on in its place.
 */
export function checkpointingRunner(options: EngineOptions, cuts: readonly number[]): ScriptRunner {
  return (source, events) => {
    const out: ScriptOutput[] = [];
    const fresh = (): Engine => {
      const engine = new Engine(options);
      const deployed = engine.deploy(source);
      if (!deployed.ok) throw new Error(deployed.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n'));
      for (const stream of engine.outputStreams()) engine.subscribe(stream, (e) => out.push({ stream: e.stream, time: e.time, data: { ...e.data } }));
      return engine;
    };
    let engine = fresh();
    const at = new Set(cuts);
    for (let i = 0; i < events.length; i++) {
      if (at.has(i)) {
        const bytes = engine.snapshot();
        engine = fresh();
        engine.restore(bytes);
      }
      engine.push(events[i]!.stream, events[i]!.data);
    }
    if (at.has(events.length)) {
      const bytes = engine.snapshot();
      engine = fresh();
      engine.restore(bytes);
    }
    engine.end();
    return out;
  };
}
