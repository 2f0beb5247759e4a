// The intrinsics: how each is spelled and what type it has.
import type { Intrinsic } from './ast.ts';

/** Type of a value known when the query is checked; `attribute` means "known only per span". */
export type ValueType = 'nil' | 'spanset' | 'attribute' | 'int' | 'float' | 'string' | 'boolean' | 'duration' | 'status' | 'kind';

/** Spellings accepted in queries, to the canonical intrinsic. */
export const INTRINSIC_SPELLINGS: ReadonlyMap<string, Intrinsic> = new Map<string, Intrinsic>([
  ['duration', 'duration'],
  ['name', 'name'],
  ['status', 'status'],
  ['statusMessage', 'statusMessage'],
  ['kind', 'kind'],
  ['rootName', 'rootName'],
  ['rootServiceName', 'rootServiceName'],
  ['traceDuration', 'traceDuration'],
  ['nestedSetLeft', 'nestedSetLeft'],
  ['nestedSetRight', 'nestedSetRight'],
  ['nestedSetParent', 'nestedSetParent'],
  ['parent', 'parent'],
  ['trace:duration', 'traceDuration'],
  ['trace:rootName', 'rootName'],
  ['trace:rootService', 'rootServiceName'],
  ['trace:id', 'trace:id'],
  ['span:duration', 'duration'],
  ['span:name', 'name'],
  ['span:kind', 'kind'],
  ['span:status', 'status'],
  ['span:statusMessage', 'statusMessage'],
  ['span:id', 'span:id'],
  ['span:parentID', 'span:parentID'],
  ['span:traceState', 'span:traceState'],
  ['span:childCount', 'span:childCount'],
  ['event:name', 'event:name'],
  ['event:timeSinceStart', 'event:timeSinceStart'],
  ['link:traceID', 'link:traceID'],
  ['link:spanID', 'link:spanID'],
  ['instrumentation:name', 'instrumentation:name'],
  ['instrumentation:version', 'instrumentation:version'],
]);

/** Static type of each intrinsic. `parent` is unsupported; it types as unknown. */
export const INTRINSIC_TYPES: Readonly<Record<Intrinsic, ValueType>> = {
  duration: 'duration',
  name: 'string',
  status: 'status',
  statusMessage: 'string',
  kind: 'kind',
  'span:childCount': 'int',
  'span:id': 'string',
  'span:parentID': 'string',
  'span:traceState': 'string',
  traceDuration: 'duration',
  rootName: 'string',
  rootServiceName: 'string',
  'trace:id': 'string',
  nestedSetLeft: 'int',
  nestedSetRight: 'int',
  nestedSetParent: 'int',
  'event:name': 'string',
  'event:timeSinceStart': 'duration',
  'link:traceID': 'string',
  'link:spanID': 'string',
  'instrumentation:name': 'string',
  'instrumentation:version': 'string',
  parent: 'attribute',
};

/** Intrinsics whose value is the same for every span of a trace. */
export const TRACE_LEVEL_INTRINSICS: ReadonlySet<Intrinsic> = new Set<Intrinsic>(['traceDuration', 'rootName', 'rootServiceName', 'trace:id']);

/** Intrinsics with many values per span (one per event or link). */
export const MULTI_VALUED_INTRINSICS: ReadonlySet<Intrinsic> = new Set<Intrinsic>(['event:name', 'event:timeSinceStart', 'link:traceID', 'link:spanID']);
