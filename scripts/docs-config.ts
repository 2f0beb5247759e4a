// Regenerates the flag reference in docs/configuration.md from the flag definitions.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_BEGIN, DOC_END, renderFlagReference } from '@spanbase/config';

const path = join(import.meta.dirname, '..', 'docs', 'configuration.md');
const text = readFileSync(path, 'utf8');
const a = text.indexOf(DOC_BEGIN);
const b = text.indexOf(DOC_END);
if (a < 0 || b < a) throw new Error(`${path} lacks the flag markers`);
writeFileSync(path, text.slice(0, a + DOC_BEGIN.length) + '\n' + renderFlagReference() + '\n' + text.slice(b));
console.log(`updated ${path}`);
