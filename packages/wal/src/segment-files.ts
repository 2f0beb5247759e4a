// Naming and listing of segment files: `<wal>/<tenant>/<20-digit sequence>.wal`. Zero-padded so
// lexicographic order is replay order.
import { open, readdir } from 'node:fs/promises';

const SEGMENT_RE = /^(\d{20})\.wal$/;

/** File name of segment `seq`. */
export function segmentFileName(seq: number): string {
  return String(seq).padStart(20, '0') + '.wal';
}

/** Sequence numbers of the segments in a tenant directory, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .map((n) => SEGMENT_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Fsyncs a directory so a created, renamed or deleted entry survives a machine crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
