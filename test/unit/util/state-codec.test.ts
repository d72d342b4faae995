/** The checkpoint codec: sharing, cycles, long chains, registered classes, externals and what it refuses. */
import { serialize, deserialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeState, encodeState, SnapshotError, stateClass } from '../../../src/util/state-codec.js';

class Node {
  value: number;
  prev: Node | undefined;
  constructor(value: number, prev: Node | undefined) {
    this.value = value;
    this.prev = prev;
  }
  sum(): number {
    let s = 0;
    for (let n: Node | undefined = this; n; n = n.prev) s += n.value;
    return s;
  }
}
stateClass('test.Node', Node);

describe('state codec', () => {
  it('keeps shared objects shared and cycles closed', () => {
    const row = { k: 'a', v: 1 };
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    const back = decodeState(encodeState({ a: [row, row], m: new Map([['x', row]]), s: new Set([row]), cyclic })) as {
      a: Record<string, unknown>[];
      m: Map<string, Record<string, unknown>>;
      s: Set<Record<string, unknown>>;
      cyclic: Record<string, unknown>;
    };
    expect(back.a[0]).toEqual(row);
    expect(back.a[0]).toBe(back.a[1]);
    expect(back.m.get('x')).toBe(back.a[0]);
    expect([...back.s][0]).toBe(back.a[0]);
    expect(back.cyclic['self']).toBe(back.cyclic);
  });

  it('keeps numbers exact, undefined, holes as undefined, dates and bare objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { x: 1 });
    const back = decodeState(encodeState({ n: [NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 2 ** 53 + 2], u: [undefined, null], d: new Date(5), bare, big: 10n })) as Record<string, unknown>;
    expect(back['n']).toEqual([NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 2 ** 53 + 2]);
    expect(Object.is((back['n'] as number[])[3], -0)).toBe(true);
    expect(back['u']).toEqual([undefined, null]);
    expect((back['d'] as Date).getTime()).toBe(5);
    expect(Object.getPrototypeOf(back['bare'])).toBe(null);
    expect(back['big']).toBe(10n);
  });

  it('reads back instances of registered classes, with their methods, over chains far deeper than the stack', () => {
    let head: Node | undefined;
    for (let i = 1; i <= 200_000; i++) head = new Node(i, head);
    const back = decodeState(encodeState(head)) as Node;
    expect(back).toBeInstanceOf(Node);
    expect(back.sum()).toBe((200_000 * 200_001) / 2);
  });

  it('writes externals by name and resolves them on reading', () => {
    const operator = { onTimer: () => undefined };
    const other = { onTimer: () => undefined };
    const bytes = encodeState({ timers: [{ at: 1, owner: operator }] }, new Map([[operator, 'query q']]));
    const back = decodeState(bytes, new Map([['query q', other]])) as { timers: { owner: object }[] };
    expect(back.timers[0]!.owner).toBe(other);
    expect(() => decodeState(bytes, new Map())).toThrow(/refers to 'query q'/);
  });

  it('refuses functions, unregistered classes and bytes that are not a checkpoint, saying where', () => {
    expect(() => encodeState({ a: [{ f: () => 1 }] })).toThrow(/a function cannot be checkpointed \(at root\.a\[0\]\.f\)/);
    class Unknown {
      x = 1;
    }
    expect(() => encodeState({ u: new Unknown() })).toThrow(/instance of Unknown.*at root\.u/);
    expect(() => decodeState(new Uint8Array([1, 2, 3]))).toThrow(SnapshotError);
  });

  it('round-trips any JSON-like value, maps and sets included', () => {
    fc.assert(
      fc.property(fc.anything({ withMap: true, withSet: true, withDate: true, withBigInt: true, withNullPrototype: true, withSparseArray: false, maxDepth: 4 }), (value) => {
        expect(decodeState(encodeState(value))).toStrictEqual(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes each shape of object once: instances of a class with fields added late, dictionaries, numeric keys', () => {
    const a = new Node(1, undefined);
    const b = Object.assign(new Node(2, a), { extra: 'late' });
    const dictionaries = Array.from({ length: 50 }, (_, i) => ({ [`key${i}`]: i, 10: 'ten', 2: 'two' }));
    const back = decodeState(encodeState({ a, b, dictionaries })) as { a: Node; b: Node & { extra: string }; dictionaries: Record<string, unknown>[] };
    expect(back.b.prev).toBe(back.a);
    expect(back.b.extra).toBe('late');
    expect(back.b.sum()).toBe(3);
    expect(back.dictionaries).toEqual(dictionaries);
    expect(Object.keys(back.dictionaries[7]!)).toEqual(['2', '10', 'key7']);
    // Many objects of one shape cost their values, not their field names.
    const rows = Array.from({ length: 1000 }, (_, i) => ({ symbol: `s${i % 10}`, price: i, volume: i * 2 }));
    const parts = deserialize(encodeState(rows)) as [number, Uint8Array, unknown[], unknown[][], Float64Array];
    expect(parts[0]).toBe(2);
    expect(parts[3].filter((shape) => shape[0] === 1)).toEqual([[1, 'symbol', 'price', 'volume']]);
    // Their numbers (small integers) are in the structure; their strings are values.
    expect(Array.from(parts[4].subarray(0, 4))).toEqual([]);
    expect(parts[2].slice(0, 2)).toEqual(['s0', 's1']);
  });

  it('keeps an own field named __proto__ (from JSON.parse) and tells an empty object from one with an empty key', () => {
    const row = JSON.parse('{"__proto__": 0, "x": 1}') as Record<string, unknown>;
    const back = decodeState(encodeState([row, {}, { '': false }])) as Record<string, unknown>[];
    expect(Object.getPrototypeOf(back[0])).toBe(Object.prototype);
    expect(Object.keys(back[0]!)).toEqual(['__proto__', 'x']);
    expect(back).toStrictEqual([row, {}, { '': false }]);
  });

  it('keeps a primitive root, and says where a function sits in a map', () => {
    expect(decodeState(encodeState(42))).toBe(42);
    expect(decodeState(encodeState(undefined))).toBe(undefined);
    expect(() => encodeState({ m: new Map([['k', { f: () => 1 }]]) })).toThrow(/a function cannot be checkpointed \(at root\.m\.get\(k\)\.f\)/);
  });

  it('reads checkpoints of format 1 (a table of nodes with their field names)', () => {
    // {a: 1, b: ['x', <the object itself>]} as format 1 wrote it.
    const bytes = serialize([1, [[1, 'a', 1, 'b', [1]], [0, 2, 'x', [0]]]]);
    const back = decodeState(bytes) as { a: number; b: unknown[] };
    expect(back.a).toBe(1);
    expect(back.b[0]).toBe('x');
    expect(back.b[1]).toBe(back);
  });

  it('refuses a checkpoint whose structure is cut short or points nowhere', () => {
    const [format, structure, values, shapes, numbers] = deserialize(encodeState({ a: [1, 2.5, { b: 3, c: 'x' }] })) as [number, Uint8Array, unknown[], unknown[], Float64Array];
    expect(decodeState(serialize([format, structure, values, shapes, numbers]))).toEqual({ a: [1, 2.5, { b: 3, c: 'x' }] });
    expect(() => decodeState(serialize([format, structure.subarray(0, structure.length - 2), values, shapes, numbers]))).toThrow(SnapshotError);
    expect(() => decodeState(serialize([format, structure, values, shapes, numbers.subarray(1)]))).toThrow(/corrupt/);
    expect(() => decodeState(serialize([format, structure, values, shapes]))).toThrow(/corrupt/);
    const bad = Uint8Array.from(structure);
    bad[0] = 99;
    expect(() => decodeState(serialize([format, bad, values, shapes, numbers]))).toThrow(SnapshotError);
    expect(() => decodeState(serialize([3, structure, values, shapes, numbers]))).toThrow(/format 3/);
  });
});
