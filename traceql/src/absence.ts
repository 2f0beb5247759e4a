// `x = nil` tests that a field is absent, and `x != nil` that it is present. For event and link
// attributes Tempo compares per event (link): `{ event.foo = nil }` matches spans with at least
// one event without `foo`, so a span with no events at all does not match. That is a field of
// its own (FieldRef kind `missing`, see storage.ts); every other field is absent when it has no
// value. The planner, the metrics pushdown and the evaluator all ask here, so they agree.
import type { ConditionOp, FieldRef } from './storage.ts';

/** The field `ref = nil` reads: the per-event (link) absence field for their attributes, else `ref`. */
export function absenceField(ref: FieldRef): FieldRef {
  if (ref.kind === 'attribute' && (ref.scope === 'event' || ref.scope === 'link')) return { kind: 'missing', scope: ref.scope, name: ref.name };
  return ref;
}

/** The condition `ref = nil` (op `=`) or `ref != nil` (op `!=`) stands for. */
export function nilCondition(ref: FieldRef, op: '=' | '!='): { field: FieldRef; op: ConditionOp } {
  if (op === '!=') return { field: ref, op: 'exists' };
  const field = absenceField(ref);
  return field === ref ? { field, op: 'notExists' } : { field, op: 'exists' };
}
