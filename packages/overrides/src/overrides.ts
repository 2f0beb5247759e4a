// Per-tenant overrides from a YAML file (--overrides.file), re-read every --overrides.reload-period
// so an operator changes one tenant's retention or limits without a restart. The file:
//
//   overrides:
//     "*":                        # every tenant without its own value
//       retention: { default: 7d }
//     tenant-a:
//       compaction: { block_retention: 720h }
//       retention:
//         default: 7d
//         rules: ['{ status = error } 30d', '{ duration > 2s } 30d']
//       ingestion: { rate_limit_bytes: 20MB, burst_size_bytes: 30MB }
//       global: { max_bytes_per_trace: 5MB }
//       read: { max_concurrent_queries: 2 }
//       sampling:
//         keep: ['{ status = error }', '{ duration > 1s }']
//         drop: ['{ span.http.route = "/healthz" }']
//         default_ratio: 0.1
//
// A value missing for a tenant comes from "*", then from the flags. A file that fails to parse
// on reload is ignored (the previous overrides stay) and reported through `onError`.
import { readFileSync } from 'node:fs';
import type { Config } from '@spanbase/config';
import { parseBytes, parseDuration } from '@spanbase/config';
import { isSpanbaseError } from '@spanbase/model';
import { parse as parseYaml } from 'yaml';
import { OverridesBadFile } from './errors.ts';
import type { RetentionPolicy, RetentionRule } from './retention-rules.ts';
import { parseRetentionRule, retentionPolicy } from './retention-rules.ts';
import type { SamplingPolicy } from './sampling-policy.ts';
import { parseDropRule, parseKeepRule, samplingPolicy } from './sampling-policy.ts';

/** Everything one tenant may override. */
export interface TenantLimits {
  /** --compaction.block-retention, ms. */
  readonly blockRetentionMs: number;
  /** --retention.default, ms (0 = the block retention). */
  readonly retentionDefaultMs: number;
  /** --retention.rule, parsed. */
  readonly retentionRules: readonly RetentionRule[];
  /** --ingestion.rate-limit-bytes. */
  readonly ingestionRateLimitBytes: number;
  /** --ingestion.burst-size-bytes. */
  readonly ingestionBurstSizeBytes: number;
  /** --query.max-bytes-per-trace. */
  readonly maxBytesPerTrace: number;
  /** --query.max-concurrent-per-tenant. */
  readonly maxConcurrentQueries: number;
  /** --sampling.keep, as written (checked). */
  readonly samplingKeep: readonly string[];
  /** --sampling.drop, as written (checked). */
  readonly samplingDrop: readonly string[];
  /** --sampling.default-ratio. */
  readonly samplingDefaultRatio: number;
}

type Partialised = { -readonly [K in keyof TenantLimits]?: TenantLimits[K] };

/** Options of Overrides. */
export interface OverridesOptions {
  /** The YAML file; none means only the defaults. */
  path?: string;
  /** How often the file is re-read (ms); 0 disables reloading. */
  reloadPeriodMs?: number;
  /** Reports a reload that failed (the previous overrides stay). */
  onError?: (err: Error) => void;
  /** Reports a reload that changed something. */
  onReload?: () => void;
}

/** The tenant limits from the flags alone. */
export function limitsFromConfig(cfg: Config): TenantLimits {
  return {
    blockRetentionMs: cfg['compaction.block-retention'],
    retentionDefaultMs: cfg['retention.default'],
    retentionRules: cfg['retention.rule'].map(parseRetentionRule),
    ingestionRateLimitBytes: cfg['ingestion.rate-limit-bytes'],
    ingestionBurstSizeBytes: cfg['ingestion.burst-size-bytes'],
    maxBytesPerTrace: cfg['query.max-bytes-per-trace'],
    maxConcurrentQueries: cfg['query.max-concurrent-per-tenant'],
    samplingKeep: checked(cfg['sampling.keep'], parseKeepRule),
    samplingDrop: checked(cfg['sampling.drop'], parseDropRule),
    samplingDefaultRatio: cfg['sampling.default-ratio'],
  };
}

/** The rules as written, once each parses (a bad one throws OVR_ERR_BAD_RULE at start-up). */
function checked(texts: readonly string[], parseRule: (t: string) => unknown): string[] {
  for (const t of texts) parseRule(t);
  return [...texts];
}

/** Where each override lives in a tenant's section, and how its value parses. */
const FIELDS: readonly { path: readonly string[]; key: keyof TenantLimits; parse: (v: unknown, where: string) => unknown }[] = [
  { path: ['compaction', 'block-retention'], key: 'blockRetentionMs', parse: duration },
  { path: ['retention', 'default'], key: 'retentionDefaultMs', parse: duration },
  { path: ['retention', 'rules'], key: 'retentionRules', parse: rules },
  { path: ['ingestion', 'rate-limit-bytes'], key: 'ingestionRateLimitBytes', parse: bytes },
  { path: ['ingestion', 'burst-size-bytes'], key: 'ingestionBurstSizeBytes', parse: bytes },
  { path: ['global', 'max-bytes-per-trace'], key: 'maxBytesPerTrace', parse: bytes },
  { path: ['read', 'max-concurrent-queries'], key: 'maxConcurrentQueries', parse: positiveInt },
  { path: ['sampling', 'keep'], key: 'samplingKeep', parse: (v, where) => ruleTexts(v, where, parseKeepRule) },
  { path: ['sampling', 'drop'], key: 'samplingDrop', parse: (v, where) => ruleTexts(v, where, parseDropRule) },
  { path: ['sampling', 'default-ratio'], key: 'samplingDefaultRatio', parse: share },
];

function share(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!(n >= 0 && n <= 1)) throw OverridesBadFile(`${where}: expected a share from 0 to 1 (e.g. 0.1), got ${JSON.stringify(v)}`);
  return n;
}

function ruleTexts(v: unknown, where: string, parseRule: (t: string) => unknown): string[] {
  if (!Array.isArray(v)) throw OverridesBadFile(`${where}: expected a list of TraceQL queries like '{ status = error }'`);
  return v.map((r) => {
    try {
      parseRule(String(r));
    } catch (err) {
      throw OverridesBadFile(`${where}: ${(err as Error).message}`, { cause: err });
    }
    return String(r);
  });
}

function duration(v: unknown, where: string): number {
  const ms = parseDuration(String(v));
  if (ms === undefined || ms < 0) throw OverridesBadFile(`${where}: expected a duration like 720h or 7d, got ${JSON.stringify(v)}`);
  return ms;
}

function bytes(v: unknown, where: string): number {
  const n = parseBytes(String(v));
  if (n === undefined) throw OverridesBadFile(`${where}: expected a size like 20MB or 5MiB, got ${JSON.stringify(v)}`);
  return n;
}

function positiveInt(v: unknown, where: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw OverridesBadFile(`${where}: expected a whole number of at least 1, got ${JSON.stringify(v)}`);
  return n;
}

function rules(v: unknown, where: string): RetentionRule[] {
  if (!Array.isArray(v)) throw OverridesBadFile(`${where}: expected a list of rules like '{ status = error } 30d'`);
  return v.map((r) => {
    try {
      return parseRetentionRule(String(r));
    } catch (err) {
      throw OverridesBadFile(`${where}: ${(err as Error).message}`, { cause: err });
    }
  });
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses one tenant's section; unknown keys fail so a typo is not silently ignored. */
function parseTenant(tenant: string, section: unknown, file: string): Partialised {
  const out: Partialised = {};
  if (section === null || section === undefined) return out;
  if (!isMap(section)) throw OverridesBadFile(`${file}: overrides for "${tenant}" must be a mapping`);
  const seen = new Set<string>();
  for (const f of FIELDS) {
    const group = section[f.path[0]];
    if (group === undefined || group === null) continue;
    if (!isMap(group)) throw OverridesBadFile(`${file}: ${tenant}.${f.path[0]} must be a mapping`);
    const entry = Object.entries(group).find(([k]) => k.replace(/_/g, '-') === f.path[1]);
    if (!entry) continue;
    seen.add(`${f.path[0]}.${f.path[1]}`);
    (out as Record<string, unknown>)[f.key] = f.parse(entry[1], `${file}: ${tenant}.${f.path.join('.')}`);
  }
  for (const [group, v] of Object.entries(section)) {
    if (!FIELDS.some((f) => f.path[0] === group)) throw OverridesBadFile(`${file}: unknown key ${tenant}.${group}`);
    for (const k of Object.keys(v as Record<string, unknown>)) {
      if (!seen.has(`${group}.${k.replace(/_/g, '-')}`)) throw OverridesBadFile(`${file}: unknown key ${tenant}.${group}.${k}`);
    }
  }
  return out;
}

/** Parses the overrides file text into per-tenant partial limits ("*" included). */
export function parseOverrides(text: string, file = 'overrides'): Map<string, Partialised> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw OverridesBadFile(`${file}: not YAML: ${(err as Error).message}`, { cause: err });
  }
  const out = new Map<string, Partialised>();
  if (doc === null || doc === undefined) return out;
  if (!isMap(doc) || Object.keys(doc).some((k) => k !== 'overrides')) throw OverridesBadFile(`${file}: expected one top-level key, overrides`);
  const tenants = doc.overrides ?? {};
  if (!isMap(tenants)) throw OverridesBadFile(`${file}: overrides must map tenant ids to their overrides`);
  for (const [tenant, section] of Object.entries(tenants)) out.set(tenant, parseTenant(tenant, section, file));
  return out;
}

/** Per-tenant limits: the flags, overridden by the file, kept current by reloading it. */
export class Overrides {
  private readonly defaults: TenantLimits;
  private readonly opts: OverridesOptions;
  private tenants = new Map<string, Partialised>();
  private text: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly policies = new Map<string, RetentionPolicy>();
  private readonly samplingPolicies = new Map<string, SamplingPolicy>();

  /** Loads the file at once; throws OVR_ERR_BAD_OVERRIDES when it is unreadable or invalid. */
  constructor(defaults: TenantLimits, opts: OverridesOptions = {}) {
    this.defaults = defaults;
    this.opts = opts;
    if (opts.path) this.load(opts.path);
  }

  /** Overrides from the flags (--overrides.file, --overrides.reload-period and the limits). */
  static fromConfig(cfg: Config, opts: Pick<OverridesOptions, 'onError' | 'onReload'> = {}): Overrides {
    return new Overrides(limitsFromConfig(cfg), { ...opts, path: cfg['overrides.file'] || undefined, reloadPeriodMs: cfg['overrides.reload-period'] });
  }

  private load(path: string): boolean {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw OverridesBadFile(`overrides file ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (text === this.text) return false;
    this.tenants = parseOverrides(text, path);
    this.text = text;
    this.policies.clear();
    this.samplingPolicies.clear();
    return true;
  }

  /** Re-reads the file now; true when it changed. A bad file keeps the previous overrides. */
  reload(): boolean {
    if (!this.opts.path) return false;
    try {
      const changed = this.load(this.opts.path);
      if (changed) this.opts.onReload?.();
      return changed;
    } catch (err) {
      this.opts.onError?.(isSpanbaseError(err) ? err : new Error(String(err)));
      return false;
    }
  }

  /** Starts re-reading the file every reload period (the timer does not keep the process up). */
  start(): void {
    const period = this.opts.reloadPeriodMs ?? 0;
    if (!this.opts.path || period <= 0 || this.timer) return;
    this.timer = setInterval(() => this.reload(), period);
    this.timer.unref();
  }

  /** Stops reloading. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Tenants the file names (without "*"). */
  tenantsWithOverrides(): string[] {
    return [...this.tenants.keys()].filter((t) => t !== '*');
  }

  /** The limits of one tenant. */
  forTenant(tenant: string): TenantLimits {
    return { ...this.defaults, ...this.tenants.get('*'), ...this.tenants.get(tenant) };
  }

  /** The retention policy of one tenant (cached until the file changes). */
  retention(tenant: string): RetentionPolicy {
    let p = this.policies.get(tenant);
    if (!p) {
      const l = this.forTenant(tenant);
      p = retentionPolicy(l.blockRetentionMs, l.retentionDefaultMs, l.retentionRules);
      this.policies.set(tenant, p);
    }
    return p;
  }

  /** The tail-sampling policy of one tenant (cached until the file changes). */
  sampling(tenant: string): SamplingPolicy {
    let p = this.samplingPolicies.get(tenant);
    if (!p) {
      const l = this.forTenant(tenant);
      p = samplingPolicy({ keep: l.samplingKeep, drop: l.samplingDrop, defaultRatio: l.samplingDefaultRatio });
      this.samplingPolicies.set(tenant, p);
    }
    return p;
  }
}
