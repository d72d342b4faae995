/**
 * Checkpoints of engine state: a graph of plain objects, arrays, Maps, Sets and instances of
 * registered state classes, written to bytes and read back with its sharing intact (an event
 * bound by many partial matches is written once and read back as one object). Objects the
 * restoring engine already has — operators, tables — are written by name (`externals`), never by
 * content. The codec is iterative: a run's trail of ten thousand bindings is a long chain, not
 * a deep recursion. Bytes come from `v8.serialize` over a flat table of nodes, which keeps
 * numbers exact (NaN, ±∞, -0) and strings as they are.
 *
 *     stateClass('pattern.Run', Run);
 *     const bytes = encodeState(root, new Map([[operator, 'q:alerts']]));
 *     const back = decodeState(bytes, new Map([['q:alerts', newOperator]]));
 */
import { deserialize, serialize } from 'node:v8';

/** The version of the node table; a checkpoint of another version is refused. */
const FORMAT = 1;

const ARRAY = 0;
const OBJECT = 1;
const MAP = 2;
const SET = 3;
const INSTANCE = 4;
const EXTERNAL = 5;
const BARE_OBJECT = 6;
const DATE = 7;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = abstract new (...args: any[]) => object;

const tagsByPrototype = new Map<object, string>();
const prototypesByTag = new Map<string, object>();

/**
 * Registers a class whose instances are state: they are written as their own enumerable fields
 * and read back as instances of the class (its constructor is not called). Such a class keeps
 * its state in public fields; a private field would be lost.
 */
export function stateClass(tag: string, constructor: Constructor): void {
  const existing = prototypesByTag.get(tag);
  if (existing !== undefined && existing !== constructor.prototype) throw new Error(`state class tag '${tag}' is taken`);
  tagsByPrototype.set(constructor.prototype as object, tag);
  prototypesByTag.set(tag, constructor.prototype as object);
}

/** A checkpoint that cannot be read: corrupt, of another format, or naming what is not there. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

/** A slot of a node: a primitive as it is, an object as `[index]` of its node (arrays are always nodes). */
type Slot = unknown;

/** Writes `root` and everything it reaches; objects in `externals` are written as their names. */
export function encodeState(root: unknown, externals: ReadonlyMap<object, string> = new Map()): Uint8Array {
  const ids = new Map<object, number>();
  const objects: object[] = [];
  /** Where each object was first reached (its parent's index and the field), for error messages. */
  const parents: number[] = [];
  const fields: string[] = [];
  const nodes: Slot[][] = [];
  const pathOf = (i: number): string => {
    const parts: string[] = [];
    for (let j = i; j > 0; j = parents[j]!) parts.push(fields[j]!);
    return ['root', ...parts.reverse()].join('');
  };
  let current = -1;
  const slot = (value: unknown, field: string | number): Slot => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      if (typeof value === 'symbol') throw new SnapshotError(`a symbol cannot be checkpointed (at ${pathOf(current)}${String(field)})`);
      return value;
    }
    let id = ids.get(value);
    if (id === undefined) {
      if (typeof value === 'function' && !externals.has(value)) throw new SnapshotError(`a function cannot be checkpointed (at ${pathOf(current)}${String(field)})`);
      id = objects.length;
      ids.set(value, id);
      objects.push(value);
      parents.push(current);
      fields.push(typeof field === 'number' ? `[${field}]` : field);
    }
    return [id];
  };
  slot(root, '');
  for (let i = 0; i < objects.length; i++) {
    const value = objects[i]!;
    current = i;
    const external = externals.get(value);
    if (external !== undefined) {
      nodes.push([EXTERNAL, external]);
      continue;
    }
    if (Array.isArray(value)) {
      const node: Slot[] = [ARRAY, value.length];
      for (let j = 0; j < value.length; j++) node.push(slot(value[j], j));
      nodes.push(node);
      continue;
    }
    if (value instanceof Map) {
      const node: Slot[] = [MAP];
      for (const [k, v] of value) node.push(slot(k, ' (a key)'), slot(v, `.get(${String(k)})`));
      nodes.push(node);
      continue;
    }
    if (value instanceof Set) {
      const node: Slot[] = [SET];
      for (const v of value) node.push(slot(v, ' (a member)'));
      nodes.push(node);
      continue;
    }
    if (value instanceof Date) {
      nodes.push([DATE, value.getTime()]);
      continue;
    }
    const prototype = Object.getPrototypeOf(value) as object | null;
    let node: Slot[];
    if (prototype === Object.prototype) node = [OBJECT];
    else if (prototype === null) node = [BARE_OBJECT];
    else {
      const tag = tagsByPrototype.get(prototype);
      if (tag === undefined) {
        const name = (prototype as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
        throw new SnapshotError(`an instance of ${name}, not a registered state class, cannot be checkpointed (at ${pathOf(i)})`);
      }
      node = [INSTANCE, tag];
    }
    for (const key of Object.keys(value)) node.push(key, slot((value as Record<string, unknown>)[key], `.${key}`));
    nodes.push(node);
  }
  return serialize([FORMAT, nodes]);
}

/** Reads what `encodeState` wrote; names of externals are resolved through `externals`. */
export function decodeState(bytes: Uint8Array, externals: ReadonlyMap<string, object> = new Map()): unknown {
  let format: unknown;
  let nodes: Slot[][];
  try {
    [format, nodes] = deserialize(bytes) as [unknown, Slot[][]];
  } catch (error) {
    throw new SnapshotError(`the checkpoint cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (format !== FORMAT || !Array.isArray(nodes)) throw new SnapshotError(`the checkpoint is of format ${String(format)}; this version reads format ${FORMAT}`);
  // First every object, empty; then their contents, so that references in any order resolve.
  const made: object[] = nodes.map((node) => {
    switch (node[0]) {
      case ARRAY:
        return new Array<unknown>(node[1] as number);
      case OBJECT:
        return {};
      case BARE_OBJECT:
        return Object.create(null) as object;
      case MAP:
        return new Map();
      case SET:
        return new Set();
      case DATE:
        return new Date(node[1] as number);
      case INSTANCE: {
        const prototype = prototypesByTag.get(node[1] as string);
        if (prototype === undefined) throw new SnapshotError(`the checkpoint holds an unknown state class '${String(node[1])}'`);
        return Object.create(prototype) as object;
      }
      case EXTERNAL: {
        const external = externals.get(node[1] as string);
        if (external === undefined) throw new SnapshotError(`the checkpoint refers to '${String(node[1])}', which this engine does not have`);
        return external;
      }
      default:
        throw new SnapshotError(`the checkpoint is corrupt (node kind ${String(node[0])})`);
    }
  });
  const value = (s: Slot): unknown => (Array.isArray(s) ? made[s[0] as number] : s);
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const target = made[i]!;
    switch (node[0]) {
      case ARRAY: {
        const array = target as unknown[];
        for (let j = 0; j < array.length; j++) array[j] = value(node[j + 2]);
        break;
      }
      case MAP: {
        const map = target as Map<unknown, unknown>;
        for (let j = 1; j < node.length; j += 2) map.set(value(node[j]), value(node[j + 1]));
        break;
      }
      case SET: {
        const set = target as Set<unknown>;
        for (let j = 1; j < node.length; j++) set.add(value(node[j]));
        break;
      }
      case OBJECT:
      case BARE_OBJECT:
      case INSTANCE: {
        const record = target as Record<string, unknown>;
        for (let j = node[0] === INSTANCE ? 2 : 1; j < node.length; j += 2) record[node[j] as string] = value(node[j + 1]);
        break;
      }
    }
  }
  return made.length > 0 ? made[0] : undefined;
}
