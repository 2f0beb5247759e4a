// The list of Grafana requests the contract suite covers, as the Markdown table docs/grafana.md
// carries between its markers (coverage-doc.test.ts keeps the two in step).
import type { ReplayedRequest } from './request-row.ts';
import { describeRequest } from './request-row.ts';

/** Marker lines around the generated table in docs/grafana.md. */
export const COVERAGE_BEGIN = '<!-- grafana-requests:begin (generated from test/grafana/requests.ts) -->';
export const COVERAGE_END = '<!-- grafana-requests:end -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** One row per replayed request: feature, what the user does, the request, covered or pending. */
export function renderCoverageTable(rows: readonly ReplayedRequest[]): string {
  const lines = ['| Grafana feature | what the user does | request Spanbase receives | status |', '|---|---|---|---|'];
  for (const r of rows) {
    const status = r.expect ? `covered (${r.expect.status})` : 'pending';
    lines.push(`| ${r.feature} | ${cell(r.does)} | \`${cell(describeRequest(r))}\` | ${status} |`);
  }
  return lines.join('\n');
}
