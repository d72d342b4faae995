/** The checkpoint codec: sharing, cycles, long chains, registered classes, externals and what it refuses. */
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
});
