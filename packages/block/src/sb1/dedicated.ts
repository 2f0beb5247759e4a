// Dedicated attribute columns: the well-known ones every sb1 block has, and the extra ones an
// operator configures, recorded per block in meta.json (`dedicatedColumns`, Tempo's key shape).
// See docs/design/2026-11 Block format sb1.md, "Dedicated columns".
import { BlockBadOptions } from '../errors.ts';

/** Attribute scope a dedicated column draws from. */
export type DedicatedScope = 'span' | 'resource';

/** Value type of a dedicated column: an attribute goes there only when its type matches. */
export type DedicatedType = 'string' | 'int';

/** One extra dedicated column as meta.json records it (Tempo's shape: `s` and `t` omitted for span/string). */
export interface DedicatedColumnJson {
  /** Scope: `resource`, or absent for span. */
  s?: 'resource' | 'span';
  /** Attribute name, e.g. `deployment.environment`. */
  n: string;
  /** Type: `int`, or absent for string. */
  t?: 'int' | 'string';
}

/** A dedicated column resolved to its Parquet column name. */
export interface DedicatedColumn {
  /** Scope the attribute belongs to. */
  scope: DedicatedScope;
  /** Attribute name. */
  key: string;
  /** Value type held by the column. */
  type: DedicatedType;
  /** Parquet column name. */
  column: string;
}

const WELL_KNOWN_SPAN: [string, DedicatedType][] = [
  ['http.method', 'string'],
  ['http.request.method', 'string'],
  ['http.route', 'string'],
  ['http.status_code', 'int'],
  ['http.response.status_code', 'int'],
  ['http.url', 'string'],
  ['url.full', 'string'],
  ['db.system', 'string'],
  ['db.name', 'string'],
  ['rpc.system', 'string'],
  ['rpc.service', 'string'],
  ['rpc.method', 'string'],
  ['messaging.system', 'string'],
  ['peer.service', 'string'],
  ['server.address', 'string'],
];

const WELL_KNOWN_RESOURCE: [string, DedicatedType][] = [
  ['service.namespace', 'string'],
  ['service.version', 'string'],
  ['deployment.environment', 'string'],
  ['deployment.environment.name', 'string'],
  ['k8s.cluster.name', 'string'],
  ['k8s.namespace.name', 'string'],
];

/** `http.status_code` → `http_status_code`: Parquet tools handle plain identifiers best. */
function sanitize(key: string): string {
  return key.replace(/[^A-Za-z0-9]/g, '_');
}

/** The well-known dedicated columns, fixed for sb1 (part of the format, not of meta.json). */
export const WELL_KNOWN_DEDICATED: readonly DedicatedColumn[] = [
  ...WELL_KNOWN_SPAN.map(([key, type]): DedicatedColumn => ({ scope: 'span', key, type, column: `span_${sanitize(key)}` })),
  ...WELL_KNOWN_RESOURCE.map(([key, type]): DedicatedColumn => ({ scope: 'resource', key, type, column: `resource_${sanitize(key)}` })),
];

/** Most extra dedicated columns per scope, as Tempo allows (20 string + 5 int in vParquet5 terms, rounded). */
export const MAX_EXTRA_DEDICATED_PER_SCOPE = 25;

/**
 * Resolves meta.json's `dedicatedColumns` to Parquet column names: `span_dc_<name>` or
 * `resource_dc_<name>` with non-alphanumerics replaced by `_`, and `_2`, `_3`... appended in list
 * order when two names sanitize alike. Entries for `service.name` or a well-known attribute are
 * dropped (those already have a column). Deterministic, so a reader derives the same names.
 */
export function resolveDedicated(json: readonly DedicatedColumnJson[]): DedicatedColumn[] {
  const taken = new Set<string>();
  const seen = new Set<string>();
  const out: DedicatedColumn[] = [];
  const counts: Record<DedicatedScope, number> = { span: 0, resource: 0 };
  for (const entry of json) {
    const scope: DedicatedScope = entry.s === 'resource' ? 'resource' : 'span';
    const type: DedicatedType = entry.t === 'int' ? 'int' : 'string';
    if (typeof entry.n !== 'string' || entry.n === '') throw BlockBadOptions('a dedicated column needs a non-empty name');
    const id = `${scope}\0${entry.n}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (scope === 'resource' && entry.n === 'service.name') continue;
    if (WELL_KNOWN_DEDICATED.some((w) => w.scope === scope && w.key === entry.n)) continue;
    if (++counts[scope] > MAX_EXTRA_DEDICATED_PER_SCOPE) throw BlockBadOptions(`more than ${MAX_EXTRA_DEDICATED_PER_SCOPE} dedicated ${scope} columns`);
    const base = `${scope}_dc_${sanitize(entry.n)}`;
    let column = base;
    for (let n = 2; taken.has(column); n++) column = `${base}_${n}`;
    taken.add(column);
    out.push({ scope, key: entry.n, type, column });
  }
  return out;
}

/** The meta.json form of resolved extra dedicated columns (Tempo's omissions applied). */
export function dedicatedToJson(columns: readonly DedicatedColumn[]): DedicatedColumnJson[] {
  return columns.map((c) => {
    const j: DedicatedColumnJson = { n: c.key };
    if (c.scope === 'resource') j.s = 'resource';
    if (c.type === 'int') j.t = 'int';
    return j;
  });
}
