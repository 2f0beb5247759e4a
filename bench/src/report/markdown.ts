// The Markdown report: the summary table first (every scenario's rows, Spanbase beside the peer),
// then the published figures of other systems (clearly not measured here), then one section per
// scenario with its notes, charts and any longer sections. Also the plain-text summary printed at
// the end of a run.
import { formatNumber } from '../format.ts';
import type { ResultRow } from '../scenario.ts';
import type { BenchReport } from './report.ts';

/** The whole Markdown report. */
export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const o = report.options;
  const out: string[] = [];
  out.push(`# Spanbase benchmark, ${report.startedAt.slice(0, 10)}, ${report.git.sha}${report.git.dirty ? ' (uncommitted changes)' : ''}`, '');
  out.push(`Node ${m.node} on ${m.cpu} x ${m.cores}, ${m.memoryGiB} GiB, ${m.os}. Scale ${o.scale}, seed ${o.seed}, backend ${o.backend}; ${(report.durationMs / 1000).toFixed(0)} s.`, '');
  out.push(...summaryMarkdown(report), '');
  if (m.loadAverage.start > m.cores * 0.5 || m.loadAverage.end > m.cores * 1.5) {
    out.push(`> Load average was ${m.loadAverage.start.toFixed(1)} at the start and ${m.loadAverage.end.toFixed(1)} at the end on ${m.cores} cores: other work shared the machine, so throughput numbers are low and latencies high by an unknown amount.`, '');
  }
  out.push('Ratio: Spanbase / peer for throughput, peer / Spanbase for latency, bytes and memory, so above 1 always means Spanbase is ahead. See docs/bench.md.', '');
  out.push('## Published figures of other systems (not measured here)', '');
  out.push('| system | figure | value | source |', '|---|---|---|---|');
  for (const k of report.knownLimits) out.push(`| ${k.system} | ${k.figure} | ${k.value} | ${k.source} |`);
  out.push('');
  for (const s of report.scenarios) {
    out.push(`## ${s.title} (\`${s.name}\`)`, '', s.description, '');
    if (s.error) {
      out.push(`**Failed:** ${s.error}`, '');
      continue;
    }
    out.push('| metric | Spanbase | peer | ratio | goal | note |', '|---|---:|---:|---:|---|---|');
    for (const r of s.rows) out.push(`| ${r.metric} | ${value(r.spanbase, r.unit)} | ${peer(r)} | ${ratio(r)} | ${goal(r)} | ${r.note ?? ''} |`);
    out.push('');
    for (const n of s.notes) out.push(`- ${n}`);
    if (s.notes.length > 0) out.push('');
    for (const f of s.chartFiles) out.push(`![${f}](${encodeURI(f)})`, '');
    for (const sec of s.sections) out.push(`### ${sec.title}`, '', sec.markdown, '');
    out.push(`_${(s.durationMs / 1000).toFixed(1)} s_`, '');
  }
  return out.join('\n');
}

/** The summary table (Markdown lines). */
export function summaryMarkdown(report: BenchReport): string[] {
  const out = ['| scenario | metric | Spanbase | peer | ratio | goal |', '|---|---|---:|---:|---:|---|'];
  for (const s of report.scenarios) {
    if (s.error) out.push(`| ${s.name} | **failed**: ${s.error.split('\n')[0]} | | | | |`);
    for (const r of s.rows) out.push(`| ${s.name} | ${r.metric} | ${value(r.spanbase, r.unit)} | ${peer(r)} | ${ratio(r)} | ${goal(r)} |`);
  }
  return out;
}

/** The summary as aligned plain text, for the terminal. */
export function summaryText(report: BenchReport): string {
  const rows = [['scenario', 'metric', 'Spanbase', 'peer', 'ratio', 'goal']];
  for (const s of report.scenarios) {
    if (s.error) rows.push([s.name, `FAILED: ${s.error.split('\n')[0]}`, '', '', '', '']);
    for (const r of s.rows) rows.push([s.name, r.metric, value(r.spanbase, r.unit), peer(r), ratio(r), goal(r).replace(/\*\*/g, '')]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => (c >= 2 && c <= 4 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function value(n: number, unit: string): string {
  return `${formatNumber(n)} ${unit}`;
}

function peer(r: ResultRow): string {
  if (r.peer === undefined) return '';
  return `${value(r.peer, r.unit)}${r.peerLabel ? ` (${r.peerLabel})` : ''}`;
}

function ratio(r: ResultRow): string {
  return r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`;
}

function goal(r: ResultRow): string {
  if (!r.goal) return '';
  if (r.goalMet === undefined) return r.goal;
  return `${r.goal}: ${r.goalMet ? 'met' : '**not met**'}`;
}
