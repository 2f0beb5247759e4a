// An ObjectStore on a local filesystem: one file per key under a root directory, `/` in keys
// mapping to directories, so block files can be opened by other tools (DuckDB) in place.
// A key cannot be both an object and a "directory" of other keys here (`a` and `a/b`), unlike S3.
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isSpanbaseError } from '@spanbase/model';
import { plainBytes } from './bytes.ts';
import { StoreBadKey, StoreIo } from './errors.ts';
import { TEMP_MARKER, checkKey, checkPrefix } from './keys.ts';
import { compareKeys, groupByDelimiter } from './list-util.ts';
import type { ListResult, ObjectInfo, ObjectStore, OpOptions, PutBody } from './object-store.ts';

/** Options of the local filesystem store. */
export interface LocalStoreOptions {
  /** Root directory; created on first write. */
  path: string;
}

/** Error codes that mean "no object at this key" (a missing file, or a directory in its place). */
const NOT_AN_OBJECT = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Rethrows aborts and named errors as they are; wraps filesystem errors as STORE_ERR_IO. */
function wrap(op: string, key: string, err: unknown, signal?: AbortSignal): never {
  if (signal?.aborted) throw signal.reason;
  if (isSpanbaseError(err)) throw err;
  if (errCode(err) === 'ENAMETOOLONG') throw StoreBadKey(`key '${key}' is too long for the filesystem`, { cause: err });
  throw StoreIo(`local ${op} '${key}' failed: ${(err as Error).message}`, { cause: err });
}

/** Makes a directory's entries (a rename, a new child) durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    if (errCode(err) !== 'EINVAL' && errCode(err) !== 'EPERM') throw err;
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length; ) {
    const { bytesWritten } = await fh.write(chunk, at, chunk.length - at);
    at += bytesWritten;
  }
}

/** Stores each object as a file; writes go to a temp file that is fsynced and renamed. */
export class LocalStore implements ObjectStore {
  private readonly root: string;

  constructor(opts: LocalStoreOptions) {
    this.root = resolve(opts.path);
  }

  private pathOf(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string, opts?: OpOptions): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    opts?.signal?.throwIfAborted();
    try {
      return plainBytes(await readFile(path, { signal: opts?.signal }));
    } catch (err) {
      if (!opts?.signal?.aborted && NOT_AN_OBJECT.has(errCode(err)!)) return undefined;
      return wrap('get', key, err, opts?.signal);
    }
  }

  async getRange(key: string, offset: number, length: number, opts?: OpOptions): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    opts?.signal?.throwIfAborted();
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if (NOT_AN_OBJECT.has(errCode(err)!)) return undefined;
      return wrap('getRange', key, err);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return undefined;
      const start = Math.min(Math.max(0, offset), st.size);
      const out = new Uint8Array(Math.min(st.size, start + Math.max(0, length)) - start);
      for (let at = 0; at < out.length; ) {
        opts?.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(out, at, out.length - at, start + at);
        if (bytesRead === 0) return out.subarray(0, at); // truncated under us: return what exists
        at += bytesRead;
      }
      return out;
    } catch (err) {
      if (errCode(err) === 'EISDIR') return undefined;
      return wrap('getRange', key, err, opts?.signal);
    } finally {
      await fh.close();
    }
  }

  async head(key: string, opts?: OpOptions): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    opts?.signal?.throwIfAborted();
    try {
      const st = await stat(path);
      return st.isFile() ? { key, size: st.size, lastModified: Math.floor(st.mtimeMs) } : undefined;
    } catch (err) {
      if (NOT_AN_OBJECT.has(errCode(err)!)) return undefined;
      return wrap('head', key, err);
    }
  }

  async put(key: string, body: PutBody, opts?: OpOptions): Promise<void> {
    const path = this.pathOf(key);
    const signal = opts?.signal;
    signal?.throwIfAborted();
    const dir = dirname(path);
    const tmp = join(dir, TEMP_MARKER + randomBytes(8).toString('hex'));
    let fh: FileHandle | undefined;
    try {
      fh = await this.openTemp(dir, tmp);
      if (body instanceof Uint8Array) {
        await writeAll(fh, body);
      } else {
        // One chunk in memory at a time: large bodies stream straight to the temp file.
        for await (const chunk of body) {
          signal?.throwIfAborted();
          await writeAll(fh, chunk);
        }
      }
      signal?.throwIfAborted();
      await fh.sync();
      await fh.close();
      fh = undefined;
      await rename(tmp, path);
      await fsyncDir(dir);
    } catch (err) {
      await fh?.close().catch(() => {});
      await rm(tmp, { force: true }).catch(() => {});
      wrap('put', key, err, signal);
    }
  }

  /**
   * Creates the key's directory and opens a fresh temp file in it. A concurrent delete may
   * remove the directory between the two steps (it prunes empty ones), so this retries.
   */
  private async openTemp(dir: string, tmp: string): Promise<FileHandle> {
    for (let attempt = 0; ; attempt++) {
      const created = await mkdir(dir, { recursive: true });
      // New directories must be durable too, or a crash could lose the renamed file with them.
      // That is the parent of each directory mkdir created, from `dir`'s parent up to `created`'s.
      if (created !== undefined) {
        const top = dirname(created);
        for (let d = dirname(dir); ; d = dirname(d)) {
          await fsyncDir(d);
          if (d === top || d === dirname(d)) break;
        }
      }
      try {
        return await open(tmp, 'wx');
      } catch (err) {
        if (errCode(err) !== 'ENOENT' || attempt >= 4) throw err;
      }
    }
  }

  async delete(key: string, opts?: OpOptions): Promise<void> {
    const path = this.pathOf(key);
    opts?.signal?.throwIfAborted();
    try {
      await unlink(path);
      await fsyncDir(dirname(path));
    } catch (err) {
      // EPERM is what macOS answers for unlink on a directory: also "no object here".
      if (NOT_AN_OBJECT.has(errCode(err)!) || errCode(err) === 'EPERM') return;
      wrap('delete', key, err);
    }
    await this.pruneEmptyDirs(dirname(path));
  }

  /** Removes now-empty directories up to the root; stops at the first one that is not empty. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d !== this.root && d.startsWith(this.root); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty, already gone, or not ours to remove: all fine
      }
    }
  }

  async list(prefix: string, opts?: OpOptions & { delimiter?: string }): Promise<ListResult> {
    checkPrefix(prefix);
    const signal = opts?.signal;
    signal?.throwIfAborted();
    const slash = prefix.lastIndexOf('/');
    const base = prefix.slice(0, slash + 1);
    const partial = prefix.slice(slash + 1);
    const baseDir = join(this.root, ...base.split('/').filter((s) => s !== ''));
    try {
      if (opts?.delimiter === '/') return await this.listLevel(baseDir, base, partial, signal);
      const objects: ObjectInfo[] = [];
      await this.walk(baseDir, base, partial, objects, signal);
      return groupByDelimiter(prefix, opts?.delimiter, objects);
    } catch (err) {
      return wrap('list', prefix, err, signal);
    }
  }

  /** One level: files in `dir` as objects, non-empty subdirectories as prefixes. */
  private async listLevel(dir: string, rel: string, partial: string, signal?: AbortSignal): Promise<ListResult> {
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    await Promise.all(
      (await this.entries(dir, partial)).map(async (e) => {
        if (e.isFile()) {
          const info = await this.statObject(join(dir, e.name), rel + e.name);
          if (info) objects.push(info);
        } else if (e.isDirectory() && (await this.hasObject(join(dir, e.name), signal))) {
          prefixes.push(rel + e.name + '/');
        }
      }),
    );
    objects.sort((a, b) => compareKeys(a.key, b.key));
    return { objects, prefixes: prefixes.sort(compareKeys) };
  }

  /** Every object below `dir` whose first path segment starts with `partial`. */
  private async walk(dir: string, rel: string, partial: string, out: ObjectInfo[], signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await Promise.all(
      (await this.entries(dir, partial)).map(async (e) => {
        if (e.isDirectory()) return this.walk(join(dir, e.name), rel + e.name + '/', '', out, signal);
        if (!e.isFile()) return;
        const info = await this.statObject(join(dir, e.name), rel + e.name);
        if (info) out.push(info);
      }),
    );
  }

  /** A common prefix exists only while some object lies under it: empty leftovers do not count. */
  private async hasObject(dir: string, signal?: AbortSignal): Promise<boolean> {
    signal?.throwIfAborted();
    const entries = await this.entries(dir, '');
    if (entries.some((e) => e.isFile())) return true;
    for (const e of entries) {
      if (e.isDirectory() && (await this.hasObject(join(dir, e.name), signal))) return true;
    }
    return false;
  }

  private async entries(dir: string, partial: string) {
    try {
      const all = await readdir(dir, { withFileTypes: true });
      return all.filter((e) => e.name.startsWith(partial) && !e.name.startsWith(TEMP_MARKER));
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') return [];
      throw err;
    }
  }

  private async statObject(path: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await stat(path);
      return { key, size: st.size, lastModified: Math.floor(st.mtimeMs) };
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined; // deleted while listing
      throw err;
    }
  }
}
