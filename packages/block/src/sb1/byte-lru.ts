// An LRU map bounded by the bytes of what it holds: the shape of every read cache of the sb1
// reader (verified bloom shards, verified column chunks). Values are kept as given; callers store
// copies that own their memory, so what is counted is what is held.

/** An LRU of values by key, evicting the least recently used past `maxBytes`. */
export class ByteLru<V> {
  private readonly entries = new Map<string, V>();
  private bytes = 0;
  /** The byte budget. */
  readonly maxBytes: number;
  private readonly sizeOf: (v: V) => number;

  constructor(maxBytes: number, sizeOf: (v: V) => number) {
    this.maxBytes = maxBytes;
    this.sizeOf = sizeOf;
  }

  /** The value for `key`, refreshed as most recently used. */
  get(key: string): V | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }

  /** Keeps a value, evicting the least recently used past the byte budget (the newest always stays). */
  set(key: string, value: V): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= this.sizeOf(old);
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += this.sizeOf(value);
    while (this.bytes > this.maxBytes && this.entries.size > 1) {
      const [k, v] = this.entries.entries().next().value!;
      this.entries.delete(k);
      this.bytes -= this.sizeOf(v);
    }
  }

  /** Bytes held. */
  get size(): number {
    return this.bytes;
  }

  /** Entries held. */
  get count(): number {
    return this.entries.size;
  }
}
