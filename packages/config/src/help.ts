// `--help`: every flag with its kind, default and one line, grouped by the part before the dot.
import type { Flag } from './flag.ts';
import { FLAGS } from './flags.ts';

/** The flag table as printed by `spanbase --help`. */
export function formatFlagHelp(): string {
  const lines: string[] = [];
  let group = '';
  for (const [name, f] of Object.entries(FLAGS as unknown as Record<string, Flag<unknown>>)) {
    const g = name.includes('.') ? name.slice(0, name.indexOf('.')) : 'general';
    if (g !== group) {
      lines.push('', `${g}:`);
      group = g;
    }
    const kind = f.kind === 'enum' ? (f.values ?? []).join('|') : f.kind;
    const def = f.format(f.default);
    lines.push(`  --${name}=<${kind}>${f.repeatable ? ' (repeatable)' : ''}`);
    lines.push(`      ${f.help} (default: ${def === '' ? '""' : def})`);
  }
  lines.push('', 'config:', '  --config.file=<path>', '      YAML file with the same keys nested at the dots; flags given on the command line win. (default: none)');
  return lines.join('\n');
}
