// With the roles run apart, Zipkin spans go to a distributor's Zipkin port and the Jaeger and
// Zipkin query APIs answer on the query-frontend's ports, from the ingesters' memory and, once
// flushed, from blocks in the bucket (queriers run the jobs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../src/cluster.ts';
import type { TestCluster } from '../src/cluster.ts';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ ...FAST_FLUSH, 'storage.blocklist-poll': 300 }, { ingesters: 1, queriers: 1 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('Zipkin and Jaeger APIs in cluster mode', () => {
  it('take spans on the distributor and answer on the query-frontend, live and from blocks', async () => {
    const ts = Date.now() * 1000;
    const spans = [
      { traceId: '5af7183fb1d4cf5f', id: '6b221d5bc9e6496c', kind: 'SERVER', name: 'get /api', timestamp: ts, duration: 4000, localEndpoint: { serviceName: 'cluster-front' } },
      { traceId: '5af7183fb1d4cf5f', parentId: '6b221d5bc9e6496c', id: '7b221d5bc9e6496c', kind: 'CLIENT', name: 'select', timestamp: ts + 100, duration: 1000, localEndpoint: { serviceName: 'cluster-front' }, remoteEndpoint: { serviceName: 'cluster-db' } },
    ];
    const res = await fetch(`${cluster.zipkin}/api/v2/spans`, { method: 'POST', body: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    // The distributor serves no queries on its Zipkin port.
    expect((await fetch(`${cluster.zipkin}/api/v2/services`)).status).toBe(404);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const get = async (url: string): Promise<any> => (await fetch(url)).json();
    const check = async () => {
      const z = await get(`${cluster.zipkinQuery}/api/v2/trace/5af7183fb1d4cf5f`);
      expect(z.map((s: { id: string }) => s.id).sort()).toEqual(['6b221d5bc9e6496c', '7b221d5bc9e6496c']);
      const j = await get(`${cluster.jaeger}/api/traces?service=cluster-front&operation=select&lookback=1h`);
      expect(j.data.map((t: { traceID: string }) => t.traceID)).toEqual(['5af7183fb1d4cf5f']);
      expect((await get(`${cluster.jaeger}/api/services`)).data).toEqual(['cluster-front']);
      expect(await get(`${cluster.zipkinQuery}/api/v2/remoteServices?serviceName=cluster-front`)).toEqual(['cluster-db']);
    };
    await check();
    await waitForFlush(cluster);
    await check();
  }, 60_000);
});
