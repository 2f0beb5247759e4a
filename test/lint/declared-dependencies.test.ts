// The dependency lint rule (scripts/eslint/declared-dependencies.js), run on sources placed in the
// workspaces it judges: an undeclared package and a service importing another service are
// reported; declared packages, builtins and the binary composing services are not.
import { join } from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { declaredDependencies } from '../../scripts/eslint/declared-dependencies.js';
import { REPO_ROOT } from '../src/harness.ts';

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(code, [{
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser as Linter.Parser, sourceType: 'module' },
    plugins: { spanbase: { rules: { 'declared-dependencies': declaredDependencies } } },
    rules: { 'spanbase/declared-dependencies': 'error' },
  }], { filename: join(REPO_ROOT, file) });
  return messages.map((m) => m.message);
}

describe('the declared-dependencies lint rule', () => {
  it('reports a service importing another service', () => {
    expect(lint('services/querier/src/x.ts', "import { Ingester } from '@spanbase/ingester';")).toEqual([expect.stringMatching(/@spanbase\/querier imports @spanbase\/ingester: services join by contract/)]);
    expect(lint('services/query-frontend/src/x.ts', "export { QueryPool } from '@spanbase/querier';")).toHaveLength(1);
  });

  it('reports a package its workspace does not declare', () => {
    expect(lint('packages/model/src/x.ts', "import { parse } from 'yaml';")).toEqual([expect.stringMatching(/yaml is not a dependency of @spanbase\/model/)]);
    expect(lint('packages/model/src/x.ts', "const m = await import('@spanbase/block');")).toHaveLength(1);
  });

  it('accepts declared packages, builtins, relative paths, root tools and the binary composing services', () => {
    expect(lint('packages/config/src/x.ts', "import { parse } from 'yaml';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'path';\nimport { a } from './a.ts';\nimport { it } from 'vitest';")).toEqual([]);
    expect(lint('services/spanbase/src/x.ts', "import { Ingester } from '@spanbase/ingester';\nimport { Distributor } from '@spanbase/distributor';")).toEqual([]);
  });
});
