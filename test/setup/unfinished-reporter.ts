// Names the test files whose run never ended. When a test process dies (a native crash, the heap
// limit), Vitest reports "Worker exited unexpectedly" without saying whose worker it was, and
// the file is counted neither passed nor failed; CI keeps only the end of the log, so this list
// comes last.
import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class UnfinishedReporter implements Reporter {
  private readonly running = new Map<string, number>();

  onTestModuleStart(m: TestModule): void {
    this.running.set(m.moduleId, Date.now());
  }

  onTestModuleEnd(m: TestModule): void {
    this.running.delete(m.moduleId);
  }

  onTestRunEnd(): void {
    if (this.running.size === 0) return;
    const lines = [...this.running].map(([id, at]) => `  ${relative(process.cwd(), id)} (started ${Math.round((Date.now() - at) / 1000)} s before the end)`);
    process.stdout.write(`\nTest files that started and never finished (their process may have died):\n${lines.join('\n')}\n`);
  }
}
