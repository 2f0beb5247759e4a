export type { IngesterOptions, PushResult, LiveTraceResult } from './ingester.ts';
export { Ingester } from './ingester.ts';
export { registerIngesterRoutes } from './internal-routes.ts';
export { LiveBytesExceeded, IngesterUnavailable } from './errors.ts';
