/** Subscriptions to streams: callbacks and async iterators (LANGUAGE.md section 10). */

/** An output event: the stream's name, its event time (epoch ms) and its data. */
export interface OutputEvent {
  readonly stream: string;
  readonly time: number;
  readonly data: Readonly<Record<string, unknown>>;
}

export type Subscriber = (event: OutputEvent) => void;

export class Subscriptions {
  readonly #byStream = new Map<string, Set<Subscriber>>();
  /** Changes with every subscription added or removed (for those who keep `subscribers` of a stream). */
  version = 0;
  readonly #onError: (error: unknown) => void;
  readonly #closers = new Set<() => void>();

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  has(stream: string): boolean {
    return (this.#byStream.get(stream)?.size ?? 0) > 0;
  }

  add(stream: string, subscriber: Subscriber): () => void {
    let set = this.#byStream.get(stream);
    if (!set) this.#byStream.set(stream, (set = new Set()));
    set.add(subscriber);
    this.version++;
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.#byStream.delete(stream);
      this.version++;
    };
  }

  /** The stream's subscribers now (a live set while it has any), or undefined. */
  subscribers(stream: string): ReadonlySet<Subscriber> | undefined {
    return this.#byStream.get(stream);
  }

  /** Delivers an event; a subscriber that throws is reported, never breaks the engine. */
  deliver(event: OutputEvent, set: ReadonlySet<Subscriber> | undefined = this.#byStream.get(event.stream)): void {
    if (!set) return;
    for (const subscriber of set) {
      try {
        subscriber(event);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** An async iterator over a stream's events; it ends when the engine ends. */
  iterate(stream: string): AsyncIterableIterator<OutputEvent> {
    const queue: OutputEvent[] = [];
    let waiting: ((r: IteratorResult<OutputEvent>) => void) | undefined;
    let done = false;
    const finish = (): void => {
      done = true;
      unsubscribe();
      this.#closers.delete(finish);
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ value: undefined, done: true });
      }
    };
    const unsubscribe = this.add(stream, (event) => {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ value: event, done: false });
      } else queue.push(event);
    });
    this.#closers.add(finish);
    const iterator: AsyncIterableIterator<OutputEvent> = {
      next: () => {
        const event = queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends every iterator (the engine's input has ended). */
  closeIterators(): void {
    for (const close of [...this.#closers]) close();
  }
}
