// Tenant ids: what X-Scope-OrgID may hold. The same rules as Tempo (at most 150 characters of
// letters, digits and !-_.*'(), never "." or ".."), so tenants move between the two unchanged.
// Tenant ids become directory and key names, which is why the rules are strict.
import { TenantInvalid, TenantMissing } from './errors.ts';

/** The tenant of every request when multitenancy is off. */
export const SINGLE_TENANT = 'single-tenant';
const TENANT_RE = /^[0-9a-zA-Z!\-_.*'()]{1,150}$/;

/** Throws a named error unless `id` is a valid tenant id. */
export function validateTenantId(id: string): string {
  if (!TENANT_RE.test(id) || id === '.' || id === '..') {
    throw TenantInvalid(`invalid tenant id "${id.length > 160 ? id.slice(0, 160) + '…' : id}": use at most 150 characters of letters, digits and !-_.*'(), not "." or ".."`);
  }
  return id;
}

/**
 * The tenant of a request from its X-Scope-OrgID header value (or gRPC metadata). Spaces and tabs
 * around it are dropped: Node's HTTP parser does so for headers, gRPC metadata keeps them, and a
 * tenant must not depend on the protocol it came over.
 */
export function tenantFromHeader(value: string | string[] | undefined, multitenancy: boolean): string {
  if (!multitenancy) return SINGLE_TENANT;
  const v = (Array.isArray(value) ? value[0] : value)?.replace(/^[ \t]+|[ \t]+$/g, '');
  if (v === undefined || v === '') throw TenantMissing('no tenant: the X-Scope-OrgID header is required when multitenancy is enabled');
  return validateTenantId(v);
}
