import { describe, expect, it } from 'vitest';
import { dedicatedToJson, resolveDedicated } from './dedicated.ts';

describe('dedicated columns', () => {
  it('names columns deterministically, skipping duplicates and columns that already exist', () => {
    const cols = resolveDedicated([
      { n: 'deployment.region' }, { s: 'resource', n: 'team.name' }, { n: 'tenant.id', t: 'int' }, { n: 'deployment_region' },
      { n: 'deployment.region' }, { n: 'http.method' }, { s: 'resource', n: 'service.name' }, { s: 'span', n: 'a-b', t: 'string' },
    ]);
    expect(cols.map((c) => c.column)).toEqual(['span_dc_deployment_region', 'resource_dc_team_name', 'span_dc_tenant_id', 'span_dc_deployment_region_2', 'span_dc_a_b']);
    expect(cols[2]).toMatchObject({ scope: 'span', key: 'tenant.id', type: 'int' });
    expect(dedicatedToJson(cols)).toEqual([{ n: 'deployment.region' }, { s: 'resource', n: 'team.name' }, { n: 'tenant.id', t: 'int' }, { n: 'deployment_region' }, { n: 'a-b' }]);
    expect(resolveDedicated(dedicatedToJson(cols))).toEqual(cols);
  });

  it('refuses empty names and more than 25 per scope', () => {
    expect(() => resolveDedicated([{ n: '' }])).toThrow(/name/);
    expect(() => resolveDedicated(Array.from({ length: 26 }, (_, i) => ({ n: `k${i}` })))).toThrow(/25/);
  });
});
