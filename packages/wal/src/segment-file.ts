// The file operations the segment writer needs, as a small contract. The default creates real
// files; fault tests wrap it (see fault-disk.ts) to make writes fail part-way at the file layer,
// the way a full disk or a failing device does.
import { open } from 'node:fs/promises';

/** One open segment file. Writes are positional: the writer alone decides where bytes go. */
export interface SegmentFile {
  /** Writes `buffers` at byte `position`; may write fewer bytes than given, and says how many. */
  writev(buffers: Uint8Array[], position: number): Promise<number>;
  /** Makes written data durable (fdatasync). */
  datasync(): Promise<void>;
  /** Cuts the file to `length` bytes: how a failed append is rolled back. */
  truncate(length: number): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
}

/** Creates the segment file at `path`, failing if it already exists. */
export type CreateSegmentFile = (path: string) => Promise<SegmentFile>;

/** Creates real segment files. */
export const createSegmentFile: CreateSegmentFile = async (path) => {
  const fh = await open(path, 'wx');
  return {
    writev: async (buffers, position) => (await fh.writev(buffers, position)).bytesWritten,
    datasync: () => fh.datasync(),
    truncate: (length) => fh.truncate(length),
    close: () => fh.close(),
  };
};

/**
 * Writes all of `buffers` at `position`, continuing after short writes (large batches, signals).
 * Resolves with the byte count; a write that makes no progress is an error, not a loop.
 */
export async function writeFully(file: SegmentFile, buffers: Uint8Array[], position: number): Promise<number> {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  let done = 0;
  while (done < total) {
    const n = await file.writev(done === 0 ? buffers : skipBytes(buffers, done), position + done);
    if (n <= 0) throw Object.assign(new Error(`short write: 0 of ${total - done} bytes written`), { code: 'EIO' });
    done += n;
  }
  return done;
}

/** `buffers` without their first `n` bytes, as views (nothing is copied). */
function skipBytes(buffers: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of buffers) {
    if (n >= b.length) {
      n -= b.length;
      continue;
    }
    out.push(n > 0 ? b.subarray(n) : b);
    n = 0;
  }
  return out;
}
