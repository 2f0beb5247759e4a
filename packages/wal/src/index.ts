export type { WalOptions, RecordRef, ReplayStats } from './wal.ts';
export { Wal } from './wal.ts';
export type { WalRecord, DecodedSegment } from './record.ts';
export { RecordType, decodeSegment, SEGMENT_MAGIC } from './record.ts';
export type { FsyncPolicy } from './segment-writer.ts';
export { WalWriteFailed, WalClosed } from './errors.ts';
