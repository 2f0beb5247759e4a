export type { IngesterOptions, PushResult, LiveTraceResult } from './ingester.ts';
export { Ingester } from './ingester.ts';
export type { RecentBlocks } from './internal-routes.ts';
export { registerIngesterRoutes } from './internal-routes.ts';
export { LiveBytesExceeded, IngesterUnavailable } from './errors.ts';
export type { BlockSink, FlushBatch, FlushedBlock } from './block-sink.ts';
export { WorkerBlockSink } from './worker-sink.ts';
export type { BlockWorkerData } from './block-worker.ts';
