export type { RunningSpanbase } from './run.ts';
export { startSpanbase, SPANBASE_VERSION } from './run.ts';
export type { StartHooks } from './module-registry.ts';
export type { Io } from './blocks-cli.ts';
export { runBlocksCommand } from './blocks-cli.ts';
