// What a tag in /api/v2/search/tag/{tag}/values names: a scoped or unscoped attribute, or an
// intrinsic, in TraceQL spelling. Parsed with the TraceQL parser so every spelling Grafana sends
// (`resource.service.name`, `.http.route`, `span:name`, `status`) means what it means in a query.
import { parse, stringifyRef } from '@spanbase/traceql';
import type { AttributeScope, Intrinsic } from '@spanbase/traceql';
import { BadRequest } from '../errors.ts';

/** A tag the values API can answer for. */
export type TagRef = { kind: 'attribute'; scope: AttributeScope; name: string } | { kind: 'intrinsic'; name: Intrinsic };

/** Parses a TraceQL identifier; 400 when it is not one. */
export function parseTagName(tag: string): TagRef {
  const { ast, errors } = parse(`{ ${tag} != nil }`);
  const body = ast?.body;
  if (errors.length > 0 || !body || body.kind !== 'pipeline' || body.stages.length !== 1) throw BadRequest(`invalid tag "${tag}": expected a TraceQL attribute like resource.service.name, .http.route or an intrinsic like name or status`);
  const first = body.stages[0];
  const expr = first.kind === 'spansetFilter' ? first.expr : null;
  const lhs = expr && expr.kind === 'binary' ? expr.lhs : undefined;
  if (lhs?.kind === 'attribute' && !lhs.parent) return { kind: 'attribute', scope: lhs.scope, name: lhs.name };
  if (lhs?.kind === 'intrinsic' && lhs.name !== 'parent') return { kind: 'intrinsic', name: lhs.name };
  throw BadRequest(`invalid tag "${tag}": expected a TraceQL attribute or intrinsic`);
}

/** The TraceQL spelling of a tag reference (quoting names that need it). */
export function tagText(ref: TagRef): string {
  const pos = { offset: 0, line: 1, column: 1 };
  return ref.kind === 'intrinsic' ? stringifyRef({ kind: 'intrinsic', name: ref.name, pos }) : stringifyRef({ kind: 'attribute', scope: ref.scope, name: ref.name, parent: false, pos });
}
