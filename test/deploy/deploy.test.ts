// deploy/ cannot run here (no container engine), so its files are checked for what would break
// a real run: YAML that does not parse, files that are referenced but missing, ports and hosts
// that do not line up, flags or environment variables the binary does not know. The Dockerfile's
// steps run for real through deploy/dockerfile-steps.sh.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAGS, TARGETS } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { REPO_ROOT, freePort, tempDir } from '../src/harness.ts';
import { DEPLOY, environmentSpanbaseReads, parseDockerfile, parseSpanbaseArgs, readYaml } from './manifests.ts';

const dockerfile = parseDockerfile(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
const all = (keyword: string) => dockerfile.filter((i) => i.keyword === keyword);
const last = (keyword: string) => all(keyword).at(-1)!;
const jsonArgs = (keyword: string) => JSON.parse(last(keyword).args) as string[];
const SPANBASE_ENV = environmentSpanbaseReads();
const DEFAULT_PORTS = [FLAGS['server.http-listen-port'].default, FLAGS['otlp.grpc-listen-port'].default, FLAGS['otlp.http-listen-port'].default, FLAGS['zipkin.listen-port'].default, FLAGS['jaeger.listen-port'].default];

function listenPorts(cfg: Config): { http: number; grpc: number; otlpHttp: number; zipkin: number; jaeger: number } {
  return { http: cfg['server.http-listen-port'], grpc: cfg['otlp.grpc-listen-port'], otlpHttp: cfg['otlp.http-listen-port'], zipkin: cfg['zipkin.listen-port'], jaeger: cfg['jaeger.listen-port'] };
}

describe('deploy/Dockerfile', () => {
  it('builds on Node 24 slim in both stages and runs as a non-root user', () => {
    const froms = all('FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toMatch(/^node:24(\.\d+)*-slim$/);
    expect(last('USER').args).not.toMatch(/^(root|0)(:|$)/);
  });

  it('copies only files that exist', () => {
    for (const copy of all('COPY')) {
      const words = copy.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      if (copy.args.includes('--from=')) continue;
      for (const src of words.slice(0, -1)) expect(existsSync(join(REPO_ROOT, src)), `COPY ${src}`).toBe(true);
    }
  });

  it('starts the binary listening on 0.0.0.0, with the WAL and blocks on the data volume', () => {
    expect(jsonArgs('ENTRYPOINT')).toEqual(['node', '/app/services/spanbase/bin/spanbase.js']);
    expect(existsSync(join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'))).toBe(true);
    const cfg = parseSpanbaseArgs(jsonArgs('CMD'));
    expect(cfg['server.http-listen-address']).toBe('0.0.0.0');
    const volume = last('VOLUME').args.replace(/[[\]"]/g, '').trim();
    expect(cfg['wal.path'].startsWith(volume + '/')).toBe(true);
    expect(cfg['storage.local.path'].startsWith(volume + '/')).toBe(true);
    expect(all('EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number)).sort()).toEqual([...DEFAULT_PORTS].sort());
    expect(Object.values(listenPorts(cfg)).sort()).toEqual([...DEFAULT_PORTS].sort());
  });

  it('checks health with deploy/healthcheck.js: /ready on the HTTP port, with a start period for WAL replay', () => {
    const health = last('HEALTHCHECK').args;
    expect(health).toMatch(/--start-period=\d+s/);
    expect(JSON.parse(health.slice(health.indexOf('CMD ') + 4))).toEqual(['node', '/app/deploy/healthcheck.js']);
    const script = readFileSync(join(DEPLOY, 'healthcheck.js'), 'utf8');
    expect(script).toContain(`process.env.SPANBASE_HEALTH_PORT || '${FLAGS['server.http-listen-port'].default}'`);
    expect(script).toContain('http://127.0.0.1:${port}/ready');
  });

  it('has its RUN steps mirrored by deploy/dockerfile-steps.sh', () => {
    const script = readFileSync(join(DEPLOY, 'dockerfile-steps.sh'), 'utf8');
    for (const run of all('RUN')) expect(script, `dockerfile-steps.sh lacks "RUN ${run.args}"`).toContain(run.args.replace(/^mkdir -p \/data.*/, 'mkdir -p /data'));
  });

  it('runs: the same steps outside a container give a binary that becomes healthy and stops cleanly', async () => {
    const dir = tempDir('sb-dockerfile-');
    const [http, grpc, otlpHttp] = [await freePort(), await freePort(), await freePort()];
    try {
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn('bash', [join(DEPLOY, 'dockerfile-steps.sh'), join(dir, 'app'), '--deps=link', '--',
          '--server.http-listen-address=127.0.0.1', `--server.http-listen-port=${http}`, `--otlp.grpc-listen-port=${grpc}`, `--otlp.http-listen-port=${otlpHttp}`, '--zipkin.listen-port=0', '--jaeger.listen-port=0'], {
          env: { ...process.env, NODE: process.execPath, HEALTH_PORT: String(http), READY_TIMEOUT: '40' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (c) => resolve({ code: c, output: out }));
      });
      expect(code, output).toBe(0);
      expect(output).toContain('dockerfile-steps: healthy');
      // The image holds no tests.
      const leftovers = readdirSync(join(dir, 'app', 'packages', 'model', 'src')).filter((f) => f.endsWith('.test.ts'));
      expect(leftovers).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

describe('deploy/docker-compose.yaml', () => {
  const compose = readYaml<{ services: Record<string, ComposeService>; volumes?: Record<string, unknown> }>('docker-compose.yaml');
  const services = compose.services;
  const spanbase = services.spanbase;
  const cfg = parseSpanbaseArgs(spanbase.command ?? []);

  it('references only files, services and volumes that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image ?? s.build, `${name} has an image or a build`).toBeDefined();
      if (s.build) {
        expect(existsSync(join(DEPLOY, s.build.context, s.build.dockerfile)), `${name} build`).toBe(true);
      }
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0];
        if (src.startsWith('.')) expect(existsSync(join(DEPLOY, src)), `${name} mounts ${src}`).toBe(true);
        else expect(compose.volumes ?? {}, `named volume ${src}`).toHaveProperty(src);
      }
    }
    expect(spanbase.build?.dockerfile).toBe('deploy/Dockerfile');
  });

  it('runs Spanbase against the MinIO service, with the bucket minio-init creates and its credentials', () => {
    expect(cfg['storage.backend']).toBe('s3');
    expect(cfg['storage.s3.endpoint']).toBe('http://minio:9000');
    expect(cfg['storage.s3.force-path-style']).toBe(true);
    const minioEnv = services.minio.environment ?? {};
    expect(spanbase.environment?.AWS_ACCESS_KEY_ID).toBe(minioEnv.MINIO_ROOT_USER);
    expect(spanbase.environment?.AWS_SECRET_ACCESS_KEY).toBe(minioEnv.MINIO_ROOT_PASSWORD);
    expect(services['minio-init'].entrypoint?.join(' ')).toContain(`mc mb --ignore-existing local/${cfg['storage.s3.bucket']}`);
    expect(services['minio-init'].entrypoint?.join(' ')).toContain('http://minio:9000');
    expect(spanbase.depends_on?.['minio-init']?.condition).toBe('service_completed_successfully');
  });

  it('passes Spanbase only environment variables it reads', () => {
    for (const name of Object.keys(spanbase.environment ?? {})) expect(SPANBASE_ENV, name).toContain(name);
  });

  it('keeps the WAL on a volume and listens where the ports, Grafana and the load generator point', () => {
    expect(cfg['server.http-listen-address']).toBe('0.0.0.0');
    const dataMount = (spanbase.volumes ?? []).map((v) => v.split(':')[1]).find((p) => cfg['wal.path'].startsWith(p + '/'));
    expect(dataMount, `a volume holds ${cfg['wal.path']}`).toBeDefined();
    const ports = listenPorts(cfg);
    const published = (spanbase.ports ?? []).map((p) => Number(p.split(':')[1]));
    expect(published.sort()).toEqual(Object.values(ports).sort());
    const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size, 'host ports are unique').toBe(hostPorts.length);

    const grafanaMount = (services.grafana.volumes ?? []).find((v) => v.includes('/etc/grafana/provisioning/datasources/'))!;
    const ds = readYaml<{ datasources: { type: string; url: string; jsonData?: { streamingEnabled?: Record<string, boolean> } }[] }>(grafanaMount.split(':')[0]);
    expect(ds.datasources[0].type).toBe('tempo');
    expect(ds.datasources[0].url).toBe(`http://spanbase:${ports.http}`);
    expect(ds.datasources[0].jsonData?.streamingEnabled).toEqual({ search: false, metrics: false });
    expect(services.loadgen.command).toContain(`--otlp-endpoint=spanbase:${ports.grpc}`);
    expect(services.loadgen.depends_on?.spanbase?.condition).toBe('service_healthy');
  });
});

describe('deploy/config example files', () => {
  const MOUNTED = '/etc/spanbase/spanbase.yaml';

  it('single-binary.yaml parses with the binary\'s flags and uses S3', () => {
    const cfg = parseSpanbaseArgs([`--config.file=${MOUNTED}`], { [MOUNTED]: join(DEPLOY, 'config/single-binary.yaml') });
    expect(cfg.target).toBe('all');
    expect(cfg['storage.backend']).toBe('s3');
  });

  it('distributed.yaml parses for every role, and distributors and queriers list the same ingesters', () => {
    for (const target of TARGETS.filter((t) => t !== 'all')) {
      const cfg = parseSpanbaseArgs([`--config.file=${MOUNTED}`, `--target=${target}`], { [MOUNTED]: join(DEPLOY, 'config/distributed.yaml') });
      expect(cfg.target).toBe(target);
      expect(cfg['distributor.ingester-addresses'].length).toBeGreaterThan(0);
      expect(cfg['querier.ingester-addresses']).toEqual(cfg['distributor.ingester-addresses']);
      expect(cfg['query-frontend.querier-addresses'].length).toBeGreaterThan(0);
    }
  });
});

describe('deploy/docker-compose.distributed.yaml', () => {
  const compose = readYaml<{ services: Record<string, ComposeService & { deploy?: { replicas?: number } }>; volumes?: Record<string, unknown> }>('docker-compose.distributed.yaml');
  const services = compose.services;
  const MOUNTED = '/etc/spanbase/spanbase.yaml';
  const roles = Object.entries(services).filter(([, s]) => s.image === 'spanbase:dev').map(([name, s]) => {
    const files: Record<string, string> = {};
    for (const v of s.volumes ?? []) {
      const [src, dst] = v.split(':');
      if (src.startsWith('.')) files[dst] = join(DEPLOY, src);
    }
    return { name, service: s, cfg: parseSpanbaseArgs(s.command ?? [], files) };
  });
  const ofTarget = (t: string) => roles.filter((r) => r.cfg.target === t);

  it('runs every --target, each role from the same config file, and builds the image once', () => {
    expect([...new Set(roles.map((r) => r.cfg.target))].sort()).toEqual(TARGETS.filter((t) => t !== 'all').sort());
    for (const r of roles) expect(r.service.command?.[0], r.name).toBe(`--config.file=${MOUNTED}`);
    expect(roles.filter((r) => r.service.build)).toHaveLength(1);
    expect(existsSync(join(DEPLOY, roles.find((r) => r.service.build)!.service.build!.context, 'deploy/Dockerfile'))).toBe(true);
  });

  it('references only services and volumes that exist, and keeps each ingester\'s WAL on a volume of its own', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const dep of Object.keys(s.depends_on ?? {})) expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0];
        if (src.startsWith('.')) expect(existsSync(join(DEPLOY, src)), `${name} mounts ${src}`).toBe(true);
        else expect(compose.volumes ?? {}, `named volume ${src}`).toHaveProperty(src);
      }
    }
    const wal = ofTarget('ingester').map((r) => (r.service.volumes ?? []).find((v) => r.cfg['wal.path'].startsWith(v.split(':')[1] + '/'))?.split(':')[0]);
    expect(wal.every((v) => v !== undefined)).toBe(true);
    expect(new Set(wal).size).toBe(wal.length);
  });

  it('points every address list at the internal port of services of the right role', () => {
    const lists = [['distributor', 'distributor.ingester-addresses', 'ingester'], ['querier', 'querier.ingester-addresses', 'ingester'], ['query-frontend', 'query-frontend.querier-addresses', 'querier']] as const;
    for (const [from, flag, to] of lists) {
      for (const r of ofTarget(from)) {
        const named = r.cfg[flag].map((e) => /^(?:dns\+)?([a-z0-9-]+):(\d+)$/.exec(e)!);
        expect(named.every(Boolean), `${r.name}: --${flag}`).toBe(true);
        for (const [, host, port] of named) {
          const peer = roles.find((p) => p.name === host);
          expect(peer?.cfg.target, `${r.name}: ${host} is a ${to}`).toBe(to);
          expect(Number(port), `${r.name} calls ${host}'s internal port`).toBe(peer!.cfg['internal.listen-port']);
        }
        if (to === 'ingester') expect(named.map((n) => n[1]).sort()).toEqual(ofTarget('ingester').map((p) => p.name).sort());
      }
    }
    // Several queriers behind one name: the frontend finds them all through dns+.
    expect(ofTarget('querier')[0].service.deploy?.replicas).toBeGreaterThan(1);
    expect(ofTarget('query-frontend')[0].cfg['query-frontend.querier-addresses']).toEqual([`dns+${ofTarget('querier')[0].name}:${ofTarget('querier')[0].cfg['internal.listen-port']}`]);
  });

  it('publishes the query API of the frontend and the receivers of the distributor, where Grafana and the load generator point', () => {
    const fe = ofTarget('query-frontend')[0];
    const dist = ofTarget('distributor')[0];
    // The Zipkin query API stays inside the network: the distributor's receiver has the host's 9411.
    expect((fe.service.ports ?? []).map((p) => Number(p.split(':')[1])).sort()).toEqual([fe.cfg['server.http-listen-port'], fe.cfg['jaeger.listen-port']].sort());
    expect((dist.service.ports ?? []).map((p) => Number(p.split(':')[1])).sort()).toEqual([dist.cfg['otlp.grpc-listen-port'], dist.cfg['otlp.http-listen-port'], dist.cfg['zipkin.listen-port']].sort());
    for (const r of roles.filter((x) => x !== fe && x !== dist)) expect(r.service.ports ?? [], `${r.name} publishes nothing`).toEqual([]);
    const grafanaMount = (services.grafana.volumes ?? []).find((v) => v.includes('/etc/grafana/provisioning/datasources/'))!;
    const ds = readYaml<{ datasources: { type: string; url: string; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, string> }[] }>(grafanaMount.split(':')[0]);
    expect(ds.datasources[0].url).toBe(`http://${fe.name}:${fe.cfg['server.http-listen-port']}`);
    if (fe.cfg['multitenancy.enabled']) {
      expect(ds.datasources[0].jsonData?.httpHeaderName1).toBe('X-Scope-OrgID');
      const tenant = ds.datasources[0].secureJsonData?.httpHeaderValue1;
      expect(services.loadgen.command).toContain(`--otlp-header=X-Scope-OrgID="${tenant}"`);
    }
    expect(services.loadgen.command).toContain(`--otlp-endpoint=${dist.name}:${dist.cfg['otlp.grpc-listen-port']}`);
  });

  it('gives the roles that read the bucket MinIO\'s credentials, and passes only environment the binary reads', () => {
    const minioEnv = services.minio.environment ?? {};
    for (const r of roles) {
      for (const name of Object.keys(r.service.environment ?? {})) expect(SPANBASE_ENV, `${r.name}: ${name}`).toContain(name);
      if (r.cfg.target === 'distributor') continue;
      expect(r.cfg['storage.backend'], r.name).toBe('s3');
      expect(r.service.environment?.AWS_ACCESS_KEY_ID, r.name).toBe(minioEnv.MINIO_ROOT_USER);
      expect(r.service.environment?.AWS_SECRET_ACCESS_KEY, r.name).toBe(minioEnv.MINIO_ROOT_PASSWORD);
    }
  });
});
