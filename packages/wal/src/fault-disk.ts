// A disk that fails on purpose, for fault tests: it wraps how segment files are created and
// makes writes fail part-way (a full disk writes what fits, then ENOSPC; a failing device writes
// some bytes, then EIO), and can make truncate, fdatasync or file creation fail. The bytes that
// do get written reach the real file, so what replay later reads is what a real fault leaves.
import { writeFully } from './segment-file.ts';
import type { CreateSegmentFile, SegmentFile } from './segment-file.ts';

/** An operation of a segment file that a FaultDisk can make fail. */
export type FaultOp = 'create' | 'write' | 'datasync' | 'truncate';

/** A simulated disk with a byte budget and switchable I/O errors. */
export class FaultDisk {
  /**
   * Bytes files may still grow by, over all files made through this disk. A write that needs
   * more writes the part that fits, then fails with ENOSPC. Truncating gives the bytes back.
   */
  free = Infinity;
  /** Operations that fail with the given code (e.g. `{ write: 'EIO' }`); a failing write first writes half. */
  readonly failing: Partial<Record<FaultOp, string>> = {};
  /** When true, every write writes only half of what it is given (at least one byte) and says so, without an error. */
  shortWrites = false;
  /** Called as each fault is raised, before the failing call returns: a test changes the disk or queues work here. */
  onFault?: (code: string, op: FaultOp) => void;
  /** Failures raised so far, by code. */
  readonly raised: Record<string, number> = {};

  /** Wraps `create` so every file it makes goes through this disk. */
  wrap(create: CreateSegmentFile): CreateSegmentFile {
    return async (path) => {
      this.check('create', path);
      return this.file(await create(path));
    };
  }

  private file(inner: SegmentFile): SegmentFile {
    let size = 0;
    return {
      writev: async (buffers, position) => {
        const total = buffers.reduce((n, b) => n + b.length, 0);
        const grow = Math.max(0, position + total - size);
        let fits = total;
        let code = this.failing.write;
        if (code !== undefined) fits = Math.floor(total / 2);
        else if (grow > this.free) {
          fits = total - (grow - this.free);
          code = 'ENOSPC';
        } else if (this.shortWrites) fits = Math.max(1, Math.floor(total / 2));
        const written = fits > 0 ? await writeFully(inner, prefix(buffers, fits), position) : 0;
        this.free -= Math.max(0, position + written - size);
        size = Math.max(size, position + written);
        if (code !== undefined) throw this.fault(code, 'write');
        return written;
      },
      datasync: async () => {
        this.check('datasync');
        await inner.datasync();
      },
      truncate: async (length) => {
        this.check('truncate');
        await inner.truncate(length);
        if (length < size) this.free += size - length;
        size = length;
      },
      close: () => inner.close(),
    };
  }

  private check(op: FaultOp, path?: string): void {
    const code = this.failing[op];
    if (code !== undefined) throw this.fault(code, op, path);
  }

  private fault(code: string, op: FaultOp, path?: string): Error {
    this.raised[code] = (this.raised[code] ?? 0) + 1;
    this.onFault?.(code, op);
    const syscall = op === 'create' ? 'open' : op;
    const message = code === 'ENOSPC' ? 'no space left on device' : 'simulated fault';
    return Object.assign(new Error(`${code}: ${message}, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, path });
  }
}

/** The first `n` bytes of `buffers`, as views. */
function prefix(buffers: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const b of buffers) {
    if (n <= 0) break;
    out.push(b.length <= n ? b : b.subarray(0, n));
    n -= b.length;
  }
  return out;
}
