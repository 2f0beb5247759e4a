// Caches a process shares across the readers it opens, whatever the blocks' format: verified
// bloom shards (a trace lookup tests one per block) and verified column chunks (searches read
// the same columns of recent blocks again and again). Pass them to openBlock.
import type { OpenOptions } from './format.ts';
import { BloomCache } from './sb1/bloom-cache.ts';
import { ChunkCache } from './sb1/chunk-cache.ts';

/** The caches of openBlock's options. */
export type ReadCaches = Pick<OpenOptions, 'bloomCache' | 'chunkCache'>;

/** Caches bounded in bytes; a size of 0 leaves that cache out. */
export function createReadCaches(opts: { bloomBytes: number; chunkBytes: number }): ReadCaches {
  return {
    bloomCache: opts.bloomBytes > 0 ? new BloomCache(opts.bloomBytes) : undefined,
    chunkCache: opts.chunkBytes > 0 ? new ChunkCache(opts.chunkBytes) : undefined,
  };
}
