// Appends records to one tenant's current segment. Concurrent appends are grouped into one
// writev (and one fdatasync under --wal.fsync=always): group commit keeps the syscall count per
// request low at high request rates without delaying any single request.
//
// An append is all or nothing. Writes are positional at the end of the last whole record, so a
// write that fails part-way (ENOSPC, EIO) is rolled back by truncating to that offset before the
// next batch is written: nothing is ever acknowledged behind torn bytes. When the truncate fails
// too, the segment is abandoned with its torn tail (replay cuts a torn tail off) and the next
// batch starts a new segment; until one can be created, appends are refused.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WalWriteFailed } from './errors.ts';
import { SEGMENT_MAGIC, encodeRecordHeader } from './record.ts';
import type { RecordType } from './record.ts';
import { writeFully } from './segment-file.ts';
import type { CreateSegmentFile, SegmentFile } from './segment-file.ts';
import { fsyncDir, segmentFileName } from './segment-files.ts';

interface Pending {
  header: Buffer;
  body: Uint8Array;
  type: RecordType;
  resolve: (at: { seq: number; offset: number }) => void;
  reject: (err: unknown) => void;
}

/** Policy for making appends durable. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Callbacks from the writer to the WAL's bookkeeping. */
export interface SegmentEvents {
  /** A record was written to segment `seq`. */
  onRecord(seq: number, bytes: number, type: RecordType): void;
  /** Segment `seq` will get no more records. */
  onSealed(seq: number): void;
  /** Something went wrong that does not fail an append (a rollback, a failed fsync at seal). */
  warn(msg: string, fields: Record<string, unknown>): void;
}

/** How the writer reaches the disk. */
export interface SegmentWriterOptions {
  /** Tenant directory. */
  dir: string;
  /** Sequence number of the first segment this writer creates. */
  firstSeq: number;
  fsync: FsyncPolicy;
  /** A segment is sealed once it grows past this. */
  segmentBytes: number;
  /** Creates segment files (real files unless a test injects faults). */
  createFile: CreateSegmentFile;
}

/** Seconds a client is told to wait after a failed append. */
const RETRY_AFTER_SECONDS = 1;

/** The writer of one tenant's active segment. */
export class SegmentWriter {
  private file: SegmentFile | undefined;
  private seq: number;
  /** End of the last whole record in the active segment: where the next batch is written. */
  private size = 0;
  private dirty = false;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private sealRequested = false;
  private closed = false;
  private readonly opts: SegmentWriterOptions;
  private readonly events: SegmentEvents;

  constructor(opts: SegmentWriterOptions, events: SegmentEvents) {
    this.opts = opts;
    this.seq = opts.firstSeq;
    this.events = events;
  }

  /** Appends one record; resolves with its segment and offset once written (and synced if `always`). */
  append(type: RecordType, receivedAtMs: number, body: Uint8Array): Promise<{ seq: number; offset: number }> {
    if (this.closed) return Promise.reject(WalWriteFailed('the WAL is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ header: encodeRecordHeader(type, receivedAtMs, body), body, type, resolve, reject });
      this.kick();
    });
  }

  /**
   * Seals segment `seq` if it is the active one, once queued appends are written: used when
   * all its records are released, so a quiet tenant's segment can be deleted without waiting to
   * fill up.
   */
  requestSeal(seq: number): void {
    if (seq !== this.seq || !this.file) return;
    this.sealRequested = true;
    this.kick();
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0 || this.sealRequested) this.kick();
    });
  }

  /** Creates segment `seq` with its magic; a half-created file is removed and its number skipped. */
  private async openSegment(): Promise<SegmentFile> {
    // The tenant directory appears with its first segment; make its entry durable too.
    const created = await mkdir(this.opts.dir, { recursive: true });
    if (created !== undefined && this.opts.fsync !== 'never') await fsyncDir(dirname(this.opts.dir));
    const path = join(this.opts.dir, segmentFileName(this.seq));
    let file: SegmentFile | undefined;
    try {
      file = await this.opts.createFile(path);
      await writeFully(file, [SEGMENT_MAGIC], 0);
      if (this.opts.fsync !== 'never') {
        await file.datasync();
        await fsyncDir(this.opts.dir);
      }
    } catch (err) {
      // The next attempt takes the next number, so a leftover file never blocks it.
      this.seq++;
      if (file) {
        await file.close().catch(() => undefined);
        await rm(path, { force: true }).catch(() => undefined);
      }
      throw err;
    }
    this.size = SEGMENT_MAGIC.length;
    return file;
  }

  // Writes, rollbacks, rotations and seals all happen in this one loop, so they never interleave:
  // a batch queued behind a failed one is written only after the failed one is rolled back.
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.sealRequested) {
      if (this.queue.length === 0) {
        this.sealRequested = false;
        await this.seal();
        continue;
      }
      const batch = this.queue;
      this.queue = [];
      const iov: Uint8Array[] = [];
      let bytes = 0;
      for (const p of batch) {
        iov.push(p.header, p.body);
        bytes += p.header.length + p.body.length;
      }
      try {
        this.file ??= await this.openSegment();
        await writeFully(this.file, iov, this.size);
        if (this.opts.fsync === 'always') await this.file.datasync();
      } catch (err) {
        await this.rollback(err);
        const failed = WalWriteFailed(`WAL write failed: ${(err as Error).message}`, { cause: err, retryAfterSeconds: RETRY_AFTER_SECONDS });
        for (const p of batch) p.reject(failed);
        continue;
      }
      let offset = this.size;
      this.size += bytes;
      if (this.opts.fsync !== 'always') this.dirty = true;
      for (const p of batch) {
        const n = p.header.length + p.body.length;
        this.events.onRecord(this.seq, n, p.type);
        p.resolve({ seq: this.seq, offset });
        offset += n;
      }
      if (this.size >= this.opts.segmentBytes) await this.seal();
    }
  }

  /**
   * Undoes a failed batch: cuts the active segment back to its last whole record. If that fails
   * too, the segment is abandoned (its torn tail is cut at replay) so no later record lands
   * behind the torn bytes.
   */
  private async rollback(err: unknown): Promise<void> {
    const file = this.file;
    if (!file) return; // the segment could not even be created: nothing was written
    try {
      await file.truncate(this.size);
      this.events.warn('WAL append failed; rolled back to the last whole record', { segment: this.seq, keptBytes: this.size, err });
    } catch (truncErr) {
      this.events.warn('WAL append failed and could not be rolled back; sealing the segment, the next append starts a new one', { segment: this.seq, keptBytes: this.size, err, truncErr });
      await this.seal();
    }
  }

  /** Fsyncs pending writes (the interval policy calls this on its timer). */
  async sync(): Promise<void> {
    const file = this.file;
    if (!this.dirty || !file || this.opts.fsync === 'never') return;
    this.dirty = false;
    try {
      await file.datasync();
    } catch (err) {
      // Sealed (and closed) while syncing: the seal synced it.
      if (this.file === file) throw err;
    }
  }

  /** Closes the current segment; the next append starts a new one. Never throws. */
  private async seal(): Promise<void> {
    const file = this.file;
    if (!file) return;
    const seq = this.seq;
    this.file = undefined;
    this.seq++;
    const dirty = this.dirty;
    this.dirty = false;
    try {
      if (this.opts.fsync !== 'never' && dirty) await file.datasync();
    } catch (err) {
      this.events.warn('WAL fsync failed while sealing a segment', { segment: seq, err });
    }
    await file.close().catch((err) => this.events.warn('WAL segment close failed', { segment: seq, err }));
    this.events.onSealed(seq);
  }

  /** Waits for queued appends, syncs and closes. Further appends fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.sealRequested = true;
    this.kick();
    while (this.draining) await this.draining;
  }
}
