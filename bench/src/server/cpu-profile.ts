// Summarises a V8 CPU profile (node --cpu-prof) into where the time went: self time by area
// (a Spanbase package, a dependency, Node internals, GC) and by function, and inclusive time of
// Spanbase's own functions. Percentages are of the busy time (idle excluded), so "30%" means 30%
// of the time the server's main thread was working.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** The parts of the .cpuprofile format read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of a breakdown. */
export interface ProfileEntry {
  /** Area or function (`name (file:line)`). */
  name: string;
  /** Milliseconds. */
  ms: number;
  /** Share of busy time, percent. */
  percent: number;
}

/** A profile summary. */
export interface ProfileSummary {
  /** Profiled wall time, ms. */
  totalMs: number;
  /** Non-idle time, ms. */
  busyMs: number;
  /** Self time by area. */
  byArea: ProfileEntry[];
  /** Self time by function. */
  topSelf: ProfileEntry[];
  /** Inclusive time of Spanbase functions (packages/, services/). */
  topInclusive: ProfileEntry[];
}

/** Summarises a parsed profile; `top` entries per list. */
export function summarizeCpuProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const area = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stands for.
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    add(area, areaOf(node.callFrame), dt);
    add(self, frameName(node.callFrame), dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!/\/(packages|services|traceql)\//.test(f.url)) continue;
      const name = frameName(f);
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusive, name, dt);
      }
    }
  }
  const busy = total - idle;
  const list = (m: Map<string, number>): ProfileEntry[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms, percent: busy > 0 ? (100 * ms) / busy : 0 }));
  return { totalMs: total, busyMs: busy, byArea: list(area), topSelf: list(self), topInclusive: list(inclusive) };
}

/** Renders a summary as Markdown tables. */
export function profileMarkdown(s: ProfileSummary): string {
  const table = (title: string, rows: ProfileEntry[]): string =>
    [`**${title}**`, '', '| | ms | % of busy |', '|---|---:|---:|', ...rows.map((r) => `| ${r.name.replace(/\|/g, '\\|')} | ${r.ms.toFixed(0)} | ${r.percent.toFixed(1)} |`), ''].join('\n');
  return [
    `Thread busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s profiled (${((100 * s.busyMs) / Math.max(1, s.totalMs)).toFixed(0)}%).`,
    '',
    table('Self time by area', s.byArea),
    table('Self time by function', s.topSelf),
    table('Inclusive time of Spanbase functions', s.topInclusive),
  ].join('\n');
}

function add(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function frameName(f: { functionName: string; url: string; lineNumber: number }): string {
  if (!f.url) return f.functionName || '(anonymous)';
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|packages|services|traceql)\//, '$1/');
  return `${f.functionName || '(anonymous)'} (${file}:${f.lineNumber + 1})`;
}

/** Which part of the system a frame belongs to. */
function areaOf(f: { functionName: string; url: string }): string {
  const url = f.url;
  if (!url) return f.functionName === '(garbage collector)' ? 'GC' : f.functionName.startsWith('(') ? `V8 ${f.functionName}` : 'native';
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([^/]+)/.exec(url);
    return `node:${m ? m[1] : url.slice(5)}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  const own = /\/(packages|services)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.includes('/traceql/')) return 'traceql';
  return url.split('/').pop() ?? url;
}

/** One report section per profiled thread (`files` as SpanbaseProcess.stop returns them, main thread first). */
export function profileSections(files: readonly string[], what: string): { title: string; markdown: string }[] {
  return files.map((file) => {
    const thread = profileThread(basename(file));
    return {
      title: `Server CPU profile, ${thread === 0 ? 'main thread' : `worker thread ${thread}`} (${what})`,
      markdown: profileMarkdown(summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile)),
    };
  });
}

/** The thread id in a --cpu-prof file name (0 for the main thread). */
export function profileThread(file: string): number {
  const parts = file.split('.');
  return Number(parts[parts.length - 3]);
}
