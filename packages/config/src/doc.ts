// The flag reference of docs/configuration.md, rendered from FLAGS so the documentation cannot
// drift from the code (a test compares the file with this output).
import type { Flag } from './flag.ts';
import { FLAGS } from './flags.ts';

/** Markers around the generated part of docs/configuration.md. */
export const DOC_BEGIN = '<!-- flags:begin (generated from packages/config/src/flags.ts; run `npm run docs:config`) -->';
export const DOC_END = '<!-- flags:end -->';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** The flag tables, grouped by prefix, as Markdown. */
export function renderFlagReference(): string {
  const groups = new Map<string, [string, Flag<unknown>][]>();
  for (const [name, f] of Object.entries(FLAGS as unknown as Record<string, Flag<unknown>>)) {
    const g = name.includes('.') ? name.slice(0, name.indexOf('.')) : 'general';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push([name, f]);
  }
  const out: string[] = [];
  for (const [g, flags] of groups) {
    out.push(`### ${g}`, '', '| flag | YAML key | default | meaning |', '|---|---|---|---|');
    for (const [name, f] of flags) {
      const def = f.format(f.default);
      const kind = f.kind === 'enum' ? (f.values ?? []).join(' \\| ') : f.kind;
      const yaml = name.split('.').join(' → ');
      out.push(`| \`--${name}\` (${kind}${f.repeatable ? ', repeatable' : ''}) | \`${yaml}\` | ${def === '' ? '""' : `\`${cell(def)}\``} | ${cell(f.help)} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}
