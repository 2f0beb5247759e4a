// deploy/kubernetes: both layouts (one process; one workload per role) checked the way a cluster
// would fail them: every file kustomize loads exists and parses, every container command line
// parses with the binary's flags (after Kubernetes' $(VAR) expansion), ports, probes, Services and
// ingester addresses line up, the WAL sits on a PersistentVolumeClaim, S3 settings come from the
// Secret, and every container asks for resources.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGETS } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { DEPLOY, environmentSpanbaseReads, parseSpanbaseArgs, readYaml, readYamlDocs } from './manifests.ts';
import { QUERY_HEADROOM_BYTES, memoryBudget, parseQuantity, runsQueryPool } from './memory-budget.ts';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Workload {
  kind: string;
  name: string;
  doc: J;
  container: J;
  cfg: Config;
}

const SPANBASE_ENV = environmentSpanbaseReads();

function load(layout: string): { docs: J[]; workloads: Workload[]; kustomization: J } {
  const dir = join('kubernetes', layout);
  const kustomization = readYaml<J>(join(dir, 'kustomization.yaml'));
  const docs: J[] = [];
  for (const r of kustomization.resources as string[]) {
    expect(existsSync(join(DEPLOY, dir, r)), `${dir}/${r}`).toBe(true);
    docs.push(...readYamlDocs(join(dir, r)));
  }
  const generated = new Map<string, string>();
  for (const g of kustomization.configMapGenerator ?? []) {
    for (const f of g.files as string[]) {
      expect(existsSync(join(DEPLOY, dir, f)), `${dir}/${f}`).toBe(true);
      generated.set(`${g.name}/${f}`, join(DEPLOY, dir, f));
    }
  }
  const workloads: Workload[] = [];
  for (const doc of docs.filter((d) => d.kind === 'StatefulSet' || d.kind === 'Deployment')) {
    const pod = doc.spec.template.spec;
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0];
    // The config file: a ConfigMap volume mounted at a directory holding the generated file.
    const files: Record<string, string> = {};
    for (const m of container.volumeMounts ?? []) {
      const vol = (pod.volumes ?? []).find((v: J) => v.name === m.name);
      if (vol?.configMap) {
        for (const [key, path] of generated) if (key.startsWith(vol.configMap.name + '/')) files[`${m.mountPath}/${key.slice(vol.configMap.name.length + 1)}`] = path;
      }
    }
    // Kubernetes expands $(VAR) in args from the container's env; every VAR must be defined.
    const env = new Map<string, J>((container.env ?? []).map((e: J) => [e.name, e]));
    const args = (container.args as string[]).map((a) => a.replace(/\$\(([A-Z0-9_]+)\)/g, (_, v: string) => {
      expect(env.has(v), `${doc.metadata.name}: $(${v}) has no env entry`).toBe(true);
      return `value-of-${v.toLowerCase()}`;
    }));
    workloads.push({ kind: doc.kind, name: doc.metadata.name, doc, container, cfg: parseSpanbaseArgs(args, files) });
  }
  return { docs, workloads, kustomization };
}

function portsOf(w: Workload): Map<string, number> {
  return new Map((w.container.ports ?? []).map((p: J) => [p.name, p.containerPort]));
}

function runsIngester(cfg: Config): boolean {
  return cfg.target === 'all' || cfg.target === 'ingester';
}

function runsDistributor(cfg: Config): boolean {
  return cfg.target === 'all' || cfg.target === 'distributor';
}

function runsFrontend(cfg: Config): boolean {
  return cfg.target === 'all' || cfg.target === 'query-frontend';
}

describe.each(['single-binary', 'distributed'])('deploy/kubernetes/%s', (layout) => {
  const { docs, workloads } = load(layout);
  const secrets = docs.filter((d) => d.kind === 'Secret');

  it('deploys every --target: all, or each role once', () => {
    const targets = workloads.map((w) => w.cfg.target).sort();
    expect(targets).toEqual(layout === 'single-binary' ? ['all'] : TARGETS.filter((t) => t !== 'all').sort());
  });

  it('listens on every interface, on the ports the containers declare', () => {
    for (const w of workloads) {
      expect(w.cfg['server.http-listen-address'], w.name).toBe('0.0.0.0');
      const ports = portsOf(w);
      expect(ports.get('http'), w.name).toBe(w.cfg['server.http-listen-port']);
      // Every role but `all` serves the internal API on its own port (never the API's).
      const fe = runsFrontend(w.cfg);
      const expected = ['http', ...(runsDistributor(w.cfg) ? ['otlp-grpc', 'otlp-http'] : []), ...(runsDistributor(w.cfg) || fe ? ['zipkin'] : []), ...(fe ? ['jaeger'] : []), ...(w.cfg.target === 'all' ? [] : ['internal'])];
      expect([...ports.keys()].sort(), w.name).toEqual(expected.sort());
      // The Zipkin receiver and query API, and Jaeger's query API, keep their own well-known ports.
      if (ports.has('zipkin')) expect(ports.get('zipkin'), w.name).toBe(w.cfg['zipkin.listen-port']);
      if (ports.has('jaeger')) expect(ports.get('jaeger'), w.name).toBe(w.cfg['jaeger.listen-port']);
      if (runsDistributor(w.cfg)) {
        expect(ports.get('otlp-grpc'), w.name).toBe(w.cfg['otlp.grpc-listen-port']);
        expect(ports.get('otlp-http'), w.name).toBe(w.cfg['otlp.http-listen-port']);
      }
      if (w.cfg.target !== 'all') {
        expect(ports.get('internal'), w.name).toBe(w.cfg['internal.listen-port']);
        expect(ports.get('internal'), w.name).not.toBe(ports.get('http'));
      }
    }
  });

  it('probes readiness on /ready and liveness on a named port, and requests resources', () => {
    for (const w of workloads) {
      const c = w.container;
      expect(c.readinessProbe?.httpGet?.path, w.name).toBe('/ready');
      expect(c.livenessProbe?.httpGet?.path, w.name).toBeDefined();
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) expect(portsOf(w).has(probe.httpGet.port), `${w.name} probe port ${probe.httpGet.port}`).toBe(true);
      expect(c.resources?.requests?.cpu, w.name).toBeDefined();
      expect(c.resources?.requests?.memory, w.name).toBeDefined();
      expect(c.resources?.limits?.memory, w.name).toBeDefined();
      expect(w.doc.spec.template.spec.securityContext?.runAsNonRoot, w.name).toBe(true);
    }
  });

  it('fixes the number of query workers, so memory does not depend on the node', () => {
    for (const w of workloads.filter((x) => runsQueryPool(x.cfg))) expect(w.cfg['query.workers'], `${w.name}: --query.workers`).toBeGreaterThan(0);
  });

  it('fixes the number of compaction jobs at once, so memory does not depend on the node', () => {
    for (const w of workloads.filter((x) => x.cfg.target === 'all' || x.cfg.target === 'compactor')) expect(w.cfg['compaction.concurrency'], `${w.name}: --compaction.concurrency`).toBeGreaterThan(0);
  });

  it('sets memory limits from the measured idle memory, the caches and the live data, with room for queries', () => {
    for (const w of workloads) {
      const limit = parseQuantity(w.container.resources.limits.memory);
      const budget = memoryBudget(w.cfg);
      expect(limit, `${w.name}: limit ${w.container.resources.limits.memory} for a budget of ${Math.ceil(budget / 2 ** 20)} MiB`).toBeGreaterThanOrEqual(budget + QUERY_HEADROOM_BYTES);
      expect(parseQuantity(w.container.resources.requests.memory), `${w.name}: request within the limit`).toBeLessThanOrEqual(limit);
    }
  });

  it('keeps the WAL of every ingester on a PersistentVolumeClaim, with time to replay it', () => {
    for (const w of workloads.filter((x) => runsIngester(x.cfg))) {
      expect(w.kind).toBe('StatefulSet');
      const claims = (w.doc.spec.volumeClaimTemplates ?? []).map((t: J) => t.metadata.name);
      const mount = (w.container.volumeMounts ?? []).find((m: J) => w.cfg['wal.path'].startsWith(m.mountPath + '/'));
      expect(mount, `${w.name}: a volume holds ${w.cfg['wal.path']}`).toBeDefined();
      expect(claims, `${w.name}: ${mount.name} is a claim`).toContain(mount.name);
      expect(w.container.startupProbe?.failureThreshold * w.container.startupProbe?.periodSeconds).toBeGreaterThanOrEqual(300);
    }
  });

  it('takes S3 settings and credentials from the Secret, and passes only environment the binary reads', () => {
    for (const w of workloads) {
      const usedInArgs = new Set([...(w.container.args as string[]).join(' ').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]));
      for (const e of w.container.env ?? []) {
        expect(SPANBASE_ENV.has(e.name) || usedInArgs.has(e.name), `${w.name}: env ${e.name} is read by spanbase or used in its args`).toBe(true);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          const secret = secrets.find((s) => s.metadata.name === ref.name);
          expect(secret, `${w.name}: Secret ${ref.name}`).toBeDefined();
          expect(Object.keys({ ...secret!.stringData, ...secret!.data }), `${w.name}: key ${ref.key}`).toContain(ref.key);
        }
      }
      if (w.cfg['storage.backend'] === 's3' && w.cfg.target !== 'distributor') {
        expect(w.cfg['storage.s3.bucket'], w.name).toBe('value-of-s3_bucket');
        const envNames = (w.container.env ?? []).map((e: J) => e.name);
        expect(envNames).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
      }
    }
  });

  it('has Services that select a workload and target its named ports', () => {
    for (const svc of docs.filter((d) => d.kind === 'Service')) {
      const selected = workloads.filter((w) => Object.entries(svc.spec.selector).every(([k, v]) => w.doc.spec.template.metadata.labels[k] === v));
      expect(selected, `Service ${svc.metadata.name} selects one workload`).toHaveLength(1);
      for (const p of svc.spec.ports) expect(portsOf(selected[0]).has(p.targetPort), `${svc.metadata.name} → ${p.targetPort}`).toBe(true);
      const spec = selected[0].doc.spec;
      if (selected[0].kind === 'StatefulSet') expect(spec.serviceName).toBeDefined();
    }
  });

  it('points every address list at the internal port of every pod of the right role, through a headless Service', () => {
    const lists: [Config['target'], 'distributor.ingester-addresses' | 'querier.ingester-addresses' | 'query-frontend.querier-addresses', Config['target']][] = [
      ['distributor', 'distributor.ingester-addresses', 'ingester'],
      ['querier', 'querier.ingester-addresses', 'ingester'],
      ['query-frontend', 'query-frontend.querier-addresses', 'querier'],
    ];
    for (const [from, flag, to] of lists) {
      const caller = workloads.find((w) => w.cfg.target === from);
      if (!caller) continue;
      const peer = workloads.find((w) => w.cfg.target === to);
      expect(peer, `a ${to} workload`).toBeDefined();
      const entries = caller.cfg[flag];
      expect(entries, `${caller.name}: --${flag}`).toHaveLength(1);
      const m = /^dns\+([a-z0-9-]+):(\d+)$/.exec(entries[0]);
      expect(m, `${caller.name}: --${flag}=${entries[0]} is dns+<service>:<port>`).not.toBeNull();
      const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === m![1]);
      expect(svc?.spec.clusterIP, `${m![1]} is a headless Service (its name resolves to every pod)`).toBe('None');
      expect(Object.entries(svc!.spec.selector).every(([k, v]) => peer!.doc.spec.template.metadata.labels[k] === v), `${m![1]} selects the ${to} pods`).toBe(true);
      expect(Number(m![2]), `${caller.name} calls the ${to}s' internal port`).toBe(peer!.cfg['internal.listen-port']);
      expect(svc!.spec.ports.some((p: J) => p.port === Number(m![2]) && p.targetPort === 'internal')).toBe(true);
    }
  });

  it('puts no role behind a Service that answers queries but the query-frontend (or the single binary)', () => {
    for (const svc of docs.filter((d) => d.kind === 'Service' && d.spec.clusterIP !== 'None')) {
      const selected = workloads.find((w) => Object.entries(svc.spec.selector).every(([k, v]) => w.doc.spec.template.metadata.labels[k] === v))!;
      if (svc.spec.ports.some((p: J) => p.targetPort === 'http' && p.port === 3200) && selected.cfg.target !== 'distributor') expect(['all', 'query-frontend'], svc.metadata.name).toContain(selected.cfg.target);
    }
  });
});
