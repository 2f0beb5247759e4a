// A query none of whose jobs ran (every querier unreachable, or failing it after retries) has no
// answer at all: it fails with the first job's error rather than passing for an empty result.
// Jobs that ran but could not read some blocks leave a partial answer instead.
import { isSpanbaseError } from '@spanbase/model';

/** Throws when there were jobs and none answered (whole or in part). */
export function throwIfNothingRan(totalJobs: number, answeredJobs: number, failed: readonly { error: unknown }[]): void {
  if (totalJobs === 0 || answeredJobs > 0 || failed.length === 0) return;
  const first = failed[0].error;
  throw isSpanbaseError(first) || first instanceof Error ? first : new Error(String(first));
}
