// Progress bars on stderr for every long step. On a terminal a bar redraws in place (at most ten
// times a second); otherwise (CI logs, tests) each step prints one line when it ends, so logs stay
// readable. Quiet mode prints nothing.

/** A step in progress. */
export interface ProgressStep {
  /** Sets the amount done (same unit as the total). */
  set(done: number): void;
  /** Adds to the amount done. */
  tick(n?: number): void;
  /** Ends the step, with an optional result shown after the label. */
  done(result?: string): void;
}

/** Starts progress steps. */
export interface Progress {
  /** Starts a step of `total` units (`unit` is shown, e.g. `s` or `spans`). */
  step(label: string, total: number, unit?: string): ProgressStep;
}

const WIDTH = 28;

/** Progress on `stream` (default stderr); `mode` picks bars, lines or silence. */
export function createProgress(mode: 'auto' | 'quiet' = 'auto', stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = mode === 'auto' && stream.isTTY === true;
  return {
    step(label, total, unit = '') {
      const started = performance.now();
      let done = 0;
      let lastDraw = 0;
      let finished = false;
      const draw = (force: boolean): void => {
        if (!tty) return;
        const now = performance.now();
        if (!force && now - lastDraw < 100) return;
        lastDraw = now;
        const frac = total > 0 ? Math.min(1, done / total) : 0;
        const filled = Math.round(frac * WIDTH);
        const bar = '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
        const amount = `${fmt(done)}/${fmt(total)}${unit}`;
        stream.write(`\r\x1b[2K[${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${label} ${amount} ${((now - started) / 1000).toFixed(1)}s`);
      };
      draw(true);
      return {
        set(v) {
          done = v;
          draw(false);
        },
        tick(n = 1) {
          done += n;
          draw(false);
        },
        done(result) {
          if (finished || mode === 'quiet') return;
          finished = true;
          const secs = ((performance.now() - started) / 1000).toFixed(1);
          const line = `${label}${result ? `: ${result}` : ''} (${secs}s)`;
          stream.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
        },
      };
    },
  };
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
