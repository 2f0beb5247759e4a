// The object-store contract: the only thing the block layer, ingester, querier and compactor know
// about storage. Small on purpose (see ../../../docs/design and STYLE rule 1): every backend is one
// file that implements it, and caching, retries and metrics wrap it.

/** Options every operation accepts. */
export interface OpOptions {
  /** Aborts the operation; it then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** A listed object. */
export interface ObjectInfo {
  /** Full key, relative to the store's root. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time, unix milliseconds. */
  lastModified: number;
}

/** What `list` returns for one level under a prefix. */
export interface ListResult {
  /** Objects directly under the prefix (when `delimiter` is set) or anywhere under it. */
  objects: ObjectInfo[];
  /** With a delimiter: the next-level "directories", each ending with the delimiter. */
  prefixes: string[];
}

/** Source for `put`: whole bytes, or a stream of chunks for large objects (uploaded in parts). */
export type PutBody = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * A flat key → bytes store with range reads. Keys use `/` as separator. Writes of one key are
 * atomic: a reader sees the old object, the new one, or none, never a partial one.
 */
export interface ObjectStore {
  /** Whole object, or undefined when it does not exist. */
  get(key: string, opts?: OpOptions): Promise<Uint8Array | undefined>;
  /**
   * Bytes [offset, offset + length) of the object, or undefined when it does not exist.
   * A range past the end is clipped to the object's end.
   */
  getRange(key: string, offset: number, length: number, opts?: OpOptions): Promise<Uint8Array | undefined>;
  /** Size and modification time, or undefined when the object does not exist. */
  head(key: string, opts?: OpOptions): Promise<ObjectInfo | undefined>;
  /** Writes the object atomically, replacing any previous one. */
  put(key: string, body: PutBody, opts?: OpOptions): Promise<void>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(key: string, opts?: OpOptions): Promise<void>;
  /**
   * Lists keys starting with `prefix`, in lexicographic order. With `delimiter: '/'` it lists
   * one level: objects directly under the prefix and the sub-prefixes below it.
   */
  list(prefix: string, opts?: OpOptions & { delimiter?: string }): Promise<ListResult>;
}
