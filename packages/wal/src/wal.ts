// The write-ahead log: one directory per tenant, append-only segments, replay on start, and
// deletion of a segment only when every record in it has been released (its spans are durable
// in a block). See docs/design/2026-11 WAL.md.
import { mkdir, readFile, readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { faultPoint } from '@spanbase/model';
import { WalClosed } from './errors.ts';
import { RecordType, decodeSegment } from './record.ts';
import type { WalRecord } from './record.ts';
import { addFlushed, decodeFlushed, encodeFlushed } from './flushed.ts';
import type { FlushedEntry, FlushedSpans, FlushMarker } from './flushed.ts';
import { createSegmentFile } from './segment-file.ts';
import type { CreateSegmentFile } from './segment-file.ts';
import { SegmentWriter } from './segment-writer.ts';
import type { FsyncPolicy } from './segment-writer.ts';
import { fsyncDir, listSegments, segmentFileName } from './segment-files.ts';

/** WAL settings (from the `wal.*` flags). */
export interface WalOptions {
  /** Root directory; tenants get sub-directories. */
  dir: string;
  /** When appends are fsynced. */
  fsync: FsyncPolicy;
  /** Period of the fsync timer under the `interval` policy. */
  fsyncIntervalMs: number;
  /** A segment is sealed once it grows past this. */
  segmentBytes: number;
  /** Receives warnings (torn tails cut off, damaged records skipped, appends rolled back). */
  warn?: (msg: string, fields?: Record<string, unknown>) => void;
  /** Creates segment files; fault tests wrap it (FaultDisk). Default: real files. */
  createFile?: CreateSegmentFile;
}

/** Replay settings. */
export interface ReplayOptions {
  /**
   * Whether a block named in a flush marker exists in the object store (its meta.json, or its
   * compacted meta). Without it markers are ignored and every record replays whole.
   */
  blockExists?: (tenant: string, blockId: string) => Promise<boolean>;
}

/** Where a record went: needed to release it later and to name it in flush markers. */
export interface RecordRef {
  /** Tenant directory. */
  tenant: string;
  /** Segment sequence number. */
  segment: number;
  /** Byte offset of the record in its segment. */
  offset: number;
}

/** What replay found. */
export interface ReplayStats {
  /** Segments read. */
  segments: number;
  /** Whole records replayed. */
  records: number;
  /** Bytes cut off torn or corrupt tails. */
  truncatedBytes: number;
  /** Bytes of damaged records skipped in the middle of segments (whole records after them were replayed). */
  skippedBytes: number;
  /** Damaged stretches skipped in the middle of segments, each at least one lost record. */
  skippedRecords: number;
  /** Records not replayed because flush markers say all their spans are in blocks. */
  flushedRecords: number;
}

interface SegmentState {
  /** Data records not yet released (flush markers hold no data and are never outstanding). */
  outstanding: number;
  /** No more records will be appended. */
  sealed: boolean;
  bytes: number;
}

interface TenantState {
  writer: SegmentWriter;
  segments: Map<number, SegmentState>;
}

/** A tenant-partitioned write-ahead log. */
export class Wal {
  private readonly opts: WalOptions;
  private readonly tenants = new Map<string, TenantState>();
  private readonly nextSeq = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private deleting: Promise<unknown> = Promise.resolve();

  private constructor(opts: WalOptions) {
    this.opts = opts;
  }

  /** Opens (creating) the WAL directory. Call `replay` before the first append. */
  static async open(opts: WalOptions): Promise<Wal> {
    await mkdir(opts.dir, { recursive: true });
    const wal = new Wal(opts);
    if (opts.fsync === 'interval') {
      wal.timer = setInterval(() => void wal.syncAll().catch((err) => opts.warn?.('WAL fsync failed', { err })), opts.fsyncIntervalMs);
      wal.timer.unref();
    }
    return wal;
  }

  /**
   * Replays every segment of every tenant in order. Each whole record whose spans are not all in
   * blocks (flush markers say which are) is handed to `onRecord` with the reference to release
   * once its spans are durable, and with the spans already flushed when some are. A damaged record
   * in the middle of a segment is skipped and the records after it replayed; a torn or corrupt
   * tail is cut off. Both are reported (warning, stats), never fatal. Replayed segments are
   * sealed: new appends start new segments.
   */
  async replay(onRecord: (ref: RecordRef, record: WalRecord, flushed?: FlushedSpans) => void, opts: ReplayOptions = {}): Promise<ReplayStats> {
    const stats: ReplayStats = { segments: 0, records: 0, truncatedBytes: 0, skippedBytes: 0, skippedRecords: 0, flushedRecords: 0 };
    const entries = await readdir(this.opts.dir, { withFileTypes: true });
    for (const e of entries.filter((d) => d.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const tenant = e.name;
      const dir = join(this.opts.dir, tenant);
      const state = this.tenantState(tenant);
      const seqs = await listSegments(dir);
      // Markers name records of their own or older segments: read them all before replaying.
      const flushed = await this.flushedSpans(tenant, dir, seqs, opts);
      let last = -1;
      for (const seq of seqs) {
        last = seq;
        const path = join(dir, segmentFileName(seq));
        const buf = await readFile(path);
        const decoded = decodeSegment(buf);
        stats.segments++;
        if (decoded.skipped.length > 0) {
          const bytes = decoded.skipped.reduce((n, r) => n + r.bytes, 0);
          stats.skippedBytes += bytes;
          stats.skippedRecords += decoded.skipped.length;
          this.opts.warn?.('WAL segment has damaged records; skipped them and replayed the whole records after them', {
            tenant, segment: seq, skippedBytes: bytes, skippedRecords: decoded.skipped.length, keptRecords: decoded.records.length, damage: decoded.skipped.slice(0, 10),
          });
        }
        if (decoded.validLength < buf.length) {
          stats.truncatedBytes += buf.length - decoded.validLength;
          this.opts.warn?.('WAL segment has a torn or corrupt tail; cutting it off', { tenant, segment: seq, problem: decoded.problem, keptBytes: decoded.validLength, cutBytes: buf.length - decoded.validLength });
          if (decoded.validLength === 0) {
            await rm(path, { force: true });
            continue;
          }
          await truncate(path, decoded.validLength);
        }
        const data = decoded.records.filter((r) => r.type === RecordType.OTLP_TRACES && flushed.get(`${seq}:${r.offset}`) !== 'all');
        stats.flushedRecords += decoded.records.filter((r) => r.type === RecordType.OTLP_TRACES).length - data.length;
        // Every record counts as outstanding before the first is handed over: one released at
        // once (a request without spans) must not get the segment deleted under the others.
        const seg: SegmentState = { outstanding: data.length, sealed: true, bytes: decoded.validLength };
        state.segments.set(seq, seg);
        stats.records += data.length;
        for (const r of data) onRecord({ tenant, segment: seq, offset: r.offset }, r, flushed.get(`${seq}:${r.offset}`));
      }
      this.nextSeq.set(tenant, last + 1);
      // Re-create the writer so it starts after the last replayed segment.
      state.writer = this.newWriter(tenant, last + 1, state);
      this.deleteReleased(tenant);
    }
    return stats;
  }

  /** The spans held by blocks that exist, from the flush markers in the tenant's segments. */
  private async flushedSpans(tenant: string, dir: string, seqs: readonly number[], opts: ReplayOptions): Promise<Map<string, FlushedSpans>> {
    const flushed = new Map<string, FlushedSpans>();
    if (!opts.blockExists) return flushed;
    const markers: FlushMarker[] = [];
    for (const seq of seqs) {
      const decoded = decodeSegment(await readFile(join(dir, segmentFileName(seq))));
      for (const r of decoded.records) {
        if (r.type !== RecordType.FLUSHED) continue;
        const m = decodeFlushed(r.body);
        if (m) markers.push(m);
      }
    }
    const exists = new Map<string, boolean>();
    for (const m of markers) {
      let ok = exists.get(m.blockId);
      if (ok === undefined) {
        try {
          ok = await opts.blockExists(tenant, m.blockId);
        } catch (err) {
          // Unknown: replay the spans (at worst written twice; compaction removes the copies).
          this.opts.warn?.('could not ask the object store whether a flushed block exists; replaying its spans', { tenant, block: m.blockId, err });
          ok = false;
        }
        exists.set(m.blockId, ok);
      }
      if (ok) addFlushed(m, flushed);
    }
    return flushed;
  }

  /** Appends a validated batch for `tenant`; resolves once it is written (and synced under `always`). */
  async append(tenant: string, body: Uint8Array, receivedAtMs = Date.now()): Promise<RecordRef> {
    if (this.closed) throw WalClosed('the WAL is closed');
    const state = this.tenantState(tenant);
    const at = await state.writer.append(RecordType.OTLP_TRACES, receivedAtMs, body);
    return { tenant, segment: at.seq, offset: at.offset };
  }

  /**
   * Records that block `blockId`, about to be written, holds these spans (a flush marker, see
   * flushed.ts): if it exists after a crash, replay does not write them again. Best effort: a
   * marker that cannot be written is reported and costs only duplicates, which compaction removes.
   */
  async markFlushing(tenant: string, blockId: string, entries: readonly FlushedEntry[]): Promise<void> {
    if (this.closed || entries.length === 0) return;
    try {
      await this.tenantState(tenant).writer.append(RecordType.FLUSHED, Date.now(), encodeFlushed(blockId, entries));
    } catch (err) {
      this.opts.warn?.('WAL flush marker could not be written; a crash now would replay some flushed spans (compaction removes the copies)', { tenant, block: blockId, err });
    }
  }

  /** Releases one record: its spans are durable elsewhere. A sealed segment with none left is deleted. */
  release(ref: RecordRef): void {
    const state = this.tenants.get(ref.tenant);
    const seg = state?.segments.get(ref.segment);
    if (!state || !seg) return;
    seg.outstanding--;
    if (seg.outstanding > 0) return;
    if (seg.sealed) this.deleteReleased(ref.tenant);
    else state.writer.requestSeal(ref.segment);
  }

  /** Segment count and bytes per tenant, for metrics. */
  stats(): { tenant: string; segments: number; bytes: number }[] {
    return [...this.tenants].map(([tenant, s]) => ({ tenant, segments: s.segments.size, bytes: [...s.segments.values()].reduce((a, x) => a + x.bytes, 0) }));
  }

  /** Fsyncs every tenant's active segment. */
  async syncAll(): Promise<void> {
    await Promise.all([...this.tenants.values()].map((t) => t.writer.sync()));
  }

  /** Finishes pending appends, syncs and closes. Segments stay on disk for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.tenants.values()].map((t) => t.writer.close()));
    await this.deleting;
  }

  /** Resolves when deletions scheduled so far are done (tests and shutdown). */
  async settled(): Promise<void> {
    await this.deleting;
  }

  private tenantState(tenant: string): TenantState {
    let s = this.tenants.get(tenant);
    if (!s) {
      const state = { segments: new Map<number, SegmentState>() } as TenantState;
      state.writer = this.newWriter(tenant, this.nextSeq.get(tenant) ?? 0, state);
      this.tenants.set(tenant, state);
      s = state;
    }
    return s;
  }

  private newWriter(tenant: string, firstSeq: number, state: TenantState): SegmentWriter {
    const opts = { dir: join(this.opts.dir, tenant), firstSeq, fsync: this.opts.fsync, segmentBytes: this.opts.segmentBytes, createFile: this.opts.createFile ?? createSegmentFile };
    return new SegmentWriter(opts, {
      warn: (msg, fields) => this.opts.warn?.(msg, { tenant, ...fields }),
      onRecord: (seq, bytes, type) => {
        let seg = state.segments.get(seq);
        if (!seg) {
          seg = { outstanding: 0, sealed: false, bytes: 0 };
          state.segments.set(seq, seg);
        }
        if (type === RecordType.OTLP_TRACES) seg.outstanding++;
        seg.bytes += bytes;
      },
      onSealed: (seq) => {
        const seg = state.segments.get(seq);
        // A segment without records (its only appends failed and were rolled back) holds nothing.
        if (!seg) return this.scheduleDelete(tenant, seq);
        seg.sealed = true;
        if (seg.outstanding <= 0) this.deleteReleased(tenant);
      },
    });
  }

  /**
   * Deletes released segments oldest first, stopping at the first one still holding spans not in
   * blocks: a flush marker names records of its own or older segments, so a segment is never
   * deleted before the older ones whose records its markers keep from being replayed.
   */
  private deleteReleased(tenant: string): void {
    const state = this.tenants.get(tenant);
    if (!state) return;
    for (const seq of [...state.segments.keys()].sort((a, b) => a - b)) {
      const seg = state.segments.get(seq)!;
      if (!seg.sealed || seg.outstanding > 0) return;
      this.scheduleDelete(tenant, seq);
    }
  }

  private scheduleDelete(tenant: string, seq: number): void {
    const state = this.tenants.get(tenant);
    state?.segments.delete(seq);
    const dir = join(this.opts.dir, tenant);
    this.deleting = this.deleting
      .then(async () => {
        await faultPoint('wal-delete');
        await rm(join(dir, segmentFileName(seq)), { force: true });
        if (this.opts.fsync !== 'never') await fsyncDir(dir);
      })
      .catch((err) => this.opts.warn?.('WAL segment delete failed', { tenant, segment: seq, err }));
  }
}
