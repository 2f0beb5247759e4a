// docs/configuration.md must show exactly the flags the binary has, with their defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_BEGIN, DOC_END, FLAGS, renderFlagReference } from '@spanbase/config';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/harness.ts';

describe('docs/configuration.md', () => {
  it('holds the generated flag reference (run `npm run docs:config` after changing flags)', () => {
    const text = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
    const section = text.slice(text.indexOf(DOC_BEGIN) + DOC_BEGIN.length, text.indexOf(DOC_END)).trim();
    expect(section).toBe(renderFlagReference());
    for (const name of Object.keys(FLAGS)) expect(section).toContain(`\`--${name}\``);
  });
});
