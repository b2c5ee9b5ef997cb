/** Waiting for a job to finish, the same way whichever service runs it (`Prefer: wait`, DELETE). */
import { isFinished, type JobRecord, type JobService } from './types.js';

/** Resolves with the job once finished, or as it is when `timeoutMs` passes or `signal` aborts. */
export async function waitForJob(
  jobs: Pick<JobService, 'get' | 'subscribe'>,
  id: string,
  tenant: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<JobRecord> {
  // Subscribe before reading, so a job finishing in between is not missed.
  let latest: JobRecord | undefined;
  let settle: (() => void) | undefined;
  const unsubscribe = jobs.subscribe(id, (event) => {
    latest = event.job;
    if (isFinished(event.job.status)) settle?.();
  });
  try {
    const job = await jobs.get(id, tenant);
    if (latest === undefined || !isFinished(latest.status)) latest = job;
    if (isFinished(latest.status) || timeoutMs <= 0 || signal?.aborted === true) return latest;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      settle = () => {
        clearTimeout(timer);
        resolve();
      };
      signal?.addEventListener('abort', settle, { once: true });
    });
    return latest;
  } finally {
    unsubscribe();
    if (settle !== undefined) signal?.removeEventListener('abort', settle);
  }
}
