// Test data and comparison helpers for other packages' tests and the bench harness
// (`@spanbase/block/testing`). The conformance suite itself (block-suite.ts) imports vitest and is
// imported by path from test files only.
export { Rng } from './random.ts';
export type { RealisticOptions } from './realistic-traces.ts';
export { generateRealisticTraces } from './realistic-traces.ts';
export type { ConformanceOptions } from './conformance-traces.ts';
export { conformanceTraces, idFromNumber } from './conformance-traces.ts';
export { canonicalRecord, canonicalTrace } from './compare.ts';
export { encodeRequests, encodedTraces } from './encoded-traces.ts';
