export type { RunningSpanbase } from './run.ts';
export { startSpanbase, SPANBASE_VERSION } from './run.ts';
