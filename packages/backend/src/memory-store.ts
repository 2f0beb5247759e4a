// An ObjectStore in process memory: for tests and for the engine's own unit tests.
import type { ListResult, ObjectInfo, ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** Keeps objects in a Map. Copies on put and get so callers cannot alias stored bytes. */
export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, { data: Uint8Array; lastModified: number }>();

  async get(key: string, opts?: OpOptions): Promise<Uint8Array | undefined> {
    opts?.signal?.throwIfAborted();
    const o = this.objects.get(key);
    return o ? o.data.slice() : undefined;
  }

  async getRange(key: string, offset: number, length: number, opts?: OpOptions): Promise<Uint8Array | undefined> {
    opts?.signal?.throwIfAborted();
    const o = this.objects.get(key);
    if (!o) return undefined;
    const start = Math.min(Math.max(0, offset), o.data.length);
    return o.data.slice(start, Math.min(o.data.length, start + Math.max(0, length)));
  }

  async head(key: string, opts?: OpOptions): Promise<ObjectInfo | undefined> {
    opts?.signal?.throwIfAborted();
    const o = this.objects.get(key);
    return o ? { key, size: o.data.length, lastModified: o.lastModified } : undefined;
  }

  async put(key: string, body: PutBody, opts?: OpOptions): Promise<void> {
    opts?.signal?.throwIfAborted();
    let data: Uint8Array;
    if (body instanceof Uint8Array) {
      data = body.slice();
    } else {
      const parts: Uint8Array[] = [];
      for await (const chunk of body) parts.push(chunk);
      data = Buffer.concat(parts);
    }
    opts?.signal?.throwIfAborted();
    this.objects.set(key, { data, lastModified: Date.now() });
  }

  async delete(key: string, opts?: OpOptions): Promise<void> {
    opts?.signal?.throwIfAborted();
    this.objects.delete(key);
  }

  async list(prefix: string, opts?: OpOptions & { delimiter?: string }): Promise<ListResult> {
    opts?.signal?.throwIfAborted();
    const delimiter = opts?.delimiter;
    const objects: ObjectInfo[] = [];
    const prefixes = new Set<string>();
    for (const key of [...this.objects.keys()].sort()) {
      if (!key.startsWith(prefix)) continue;
      if (delimiter) {
        const rest = key.slice(prefix.length);
        const at = rest.indexOf(delimiter);
        if (at >= 0) {
          prefixes.add(prefix + rest.slice(0, at + delimiter.length));
          continue;
        }
      }
      const o = this.objects.get(key)!;
      objects.push({ key, size: o.data.length, lastModified: o.lastModified });
    }
    return { objects, prefixes: [...prefixes].sort() };
  }
}
