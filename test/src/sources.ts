// The TypeScript sources of the repository's packages, for tests that check docs against code.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './harness.ts';

/** Non-test `.ts` files under `src/` below each of `roots` (relative to the repository). */
export function sourceFiles(roots: readonly string[] = ['packages', 'services', 'traceql']): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist-types') continue;
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.test.ts') && p.includes('/src/')) out.push(p);
    }
  };
  for (const root of roots) walk(join(REPO_ROOT, root));
  return out;
}
