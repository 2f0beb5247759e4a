// The query-storm's query clients, on a thread of their own. They stand for people on other
// machines: reading their multi-megabyte answers on the thread that drives ingest stalled that
// thread's event loop (p99 13 ms, max 57 ms measured), and the stall was counted as the server's
// acknowledgement latency.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Outcome of one storm query. */
export interface QueryOutcome {
  name: string;
  /** HTTP status, or 0 for a timeout / connection error. */
  status: number;
  /** True when a 200 answer says it is partial. */
  partial: boolean;
  ms: number;
}

interface ClientsData {
  api: string;
  queries: { name: string; path: string }[];
  clients: number;
  durationMs: number;
  timeoutMs: number;
}

/** Runs `clients` query clients for `durationMs` on a worker thread; resolves with every outcome. */
export function runStormClients(opts: ClientsData): Promise<QueryOutcome[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: opts });
    let out: QueryOutcome[] | undefined;
    w.once('message', (m: QueryOutcome[]) => (out = m));
    w.once('error', reject);
    w.once('exit', (code) => (out ? resolve(out) : reject(new Error(`the storm's query clients exited with ${code} before reporting`))));
  });
}

/** One client: sends the queries round robin (starting at its own offset) until `stop`. */
async function queryClient(d: ClientsData, offset: number, stop: AbortSignal, out: QueryOutcome[]): Promise<void> {
  for (let i = offset; !stop.aborted; i++) {
    const q = d.queries[i % d.queries.length];
    const t0 = performance.now();
    try {
      const res = await fetch(`${d.api}${q.path}`, { signal: AbortSignal.timeout(d.timeoutMs) });
      const body = await res.text();
      out.push({ name: q.name, status: res.status, partial: res.status === 200 && body.includes('"PARTIAL"'), ms: performance.now() - t0 });
      // A refused query is retried after a pause, as a polite client would.
      if (res.status === 429) await new Promise((r) => setTimeout(r, 200));
    } catch {
      out.push({ name: q.name, status: 0, partial: false, ms: performance.now() - t0 });
    }
  }
}

if (!isMainThread && parentPort) {
  const d = workerData as ClientsData;
  const stop = AbortSignal.timeout(d.durationMs);
  const out: QueryOutcome[] = [];
  const port = parentPort;
  void Promise.all(Array.from({ length: d.clients }, (_, c) => queryClient(d, c, stop, out))).then(() => port.postMessage(out));
}
