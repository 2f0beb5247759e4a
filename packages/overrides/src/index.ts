export type { TenantLimits, OverridesOptions } from './overrides.ts';
export { Overrides, limitsFromConfig, parseOverrides } from './overrides.ts';
export type { RetentionRule, RetentionPolicy } from './retention-rules.ts';
export { parseRetentionRule, retentionPolicy, dueTier, expiryReason } from './retention-rules.ts';
export { OverridesBadRule, OverridesBadFile } from './errors.ts';
