// Worker-thread entry for the writer test: writes generated traces as a block into a LocalStore
// and posts the meta back. Proves the writer needs nothing from the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { LocalStore } from '@spanbase/backend';
import { writeBlock } from '../registry.ts';
import { conformanceTraces } from './conformance-traces.ts';

const { path, traces } = workerData as { path: string; traces: number };
const meta = await writeBlock(new LocalStore({ path }), { tenant: 'worker', rowGroupSpans: 100 }, conformanceTraces({ traces }));
parentPort!.postMessage(meta);
