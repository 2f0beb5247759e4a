// An ObjectStore in process memory: for tests and for the engine's own unit tests.
import { concatBytes } from './bytes.ts';
import { checkKey, checkPrefix } from './keys.ts';
import { groupByDelimiter } from './list-util.ts';
import type { ListResult, ObjectInfo, ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** Keeps objects in a Map. Copies on put and get so callers cannot alias stored bytes. */
export class MemoryStore implements ObjectStore {
  private readonly objects = new Map<string, { data: Uint8Array; lastModified: number }>();

  async get(key: string, opts?: OpOptions): Promise<Uint8Array | undefined> {
    checkKey(key);
    opts?.signal?.throwIfAborted();
    return this.objects.get(key)?.data.slice();
  }

  async getRange(key: string, offset: number, length: number, opts?: OpOptions): Promise<Uint8Array | undefined> {
    checkKey(key);
    opts?.signal?.throwIfAborted();
    const o = this.objects.get(key);
    if (!o) return undefined;
    const start = Math.min(Math.max(0, offset), o.data.length);
    return o.data.slice(start, Math.min(o.data.length, start + Math.max(0, length)));
  }

  async head(key: string, opts?: OpOptions): Promise<ObjectInfo | undefined> {
    checkKey(key);
    opts?.signal?.throwIfAborted();
    const o = this.objects.get(key);
    return o ? { key, size: o.data.length, lastModified: o.lastModified } : undefined;
  }

  async put(key: string, body: PutBody, opts?: OpOptions): Promise<void> {
    checkKey(key);
    opts?.signal?.throwIfAborted();
    let data: Uint8Array;
    if (body instanceof Uint8Array) {
      data = new Uint8Array(body);
    } else {
      const parts: Uint8Array[] = [];
      for await (const chunk of body) {
        opts?.signal?.throwIfAborted();
        parts.push(chunk);
      }
      // A plain Uint8Array, not a Buffer: Buffer#slice returns a view and would alias on get.
      data = concatBytes(parts);
    }
    opts?.signal?.throwIfAborted();
    this.objects.set(key, { data, lastModified: Date.now() });
  }

  async delete(key: string, opts?: OpOptions): Promise<void> {
    checkKey(key);
    opts?.signal?.throwIfAborted();
    this.objects.delete(key);
  }

  async list(prefix: string, opts?: OpOptions & { delimiter?: string }): Promise<ListResult> {
    checkPrefix(prefix);
    opts?.signal?.throwIfAborted();
    const infos = function* (objects: MemoryStore['objects']): Iterable<ObjectInfo> {
      for (const [key, o] of objects) yield { key, size: o.data.length, lastModified: o.lastModified };
    };
    return groupByDelimiter(prefix, opts?.delimiter, infos(this.objects));
  }
}
