export type { TenantLimits, OverridesOptions } from './overrides.ts';
export { Overrides, limitsFromConfig, parseOverrides } from './overrides.ts';
export type { RetentionRule, RetentionPolicy } from './retention-rules.ts';
export { parseRetentionRule, retentionPolicy, dueTier, expiryReason } from './retention-rules.ts';
export { OverridesBadRule, OverridesBadFile } from './errors.ts';
export type { SamplingRule, SamplingPolicy, SamplingSpec } from './sampling-policy.ts';
export { parseKeepRule, parseDropRule, samplingPolicy, NO_SAMPLING } from './sampling-policy.ts';
export type { SamplingDecision } from './sampling-decide.ts';
export { decideTrace, decideTraces, traceRandomness, DEFAULT_RULE } from './sampling-decide.ts';
