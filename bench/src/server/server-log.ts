// What the server child logged that explains bad numbers: its warnings and errors, counted.

/** Warnings and errors the server logged (JSON lines, pino levels), summarised: they explain bad numbers. */
export function serverProblems(output: string): string[] {
  const counts = new Map<string, number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const rec = JSON.parse(line) as { level?: number; msg?: string };
      if ((rec.level ?? 0) >= 40) counts.set(String(rec.msg), (counts.get(String(rec.msg)) ?? 0) + 1);
    } catch {
      // not a log line
    }
  }
  return [...counts].slice(0, 5).map(([msg, n]) => `server logged ${n} x "${msg}"`);
}
