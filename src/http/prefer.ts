/** RFC 7240 `Prefer`: how a client asks for a job (`respond-async`) or a bounded wait (`wait=N`). */
import { ProblemError } from './problems.js';

export interface Preference {
  readonly respondAsync: boolean;
  readonly waitSeconds: number | undefined;
}

export const maxWaitSeconds = 60;

const synchronous: Preference = Object.freeze({ respondAsync: false, waitSeconds: undefined });

/** Comma-separated tokens, each `name` or `name=value`; unknown ones are ignored, as the RFC says. */
export function parsePrefer(header: string | undefined): Preference {
  let respondAsync = false;
  let waitSeconds: number | undefined;
  if (header === undefined) return synchronous;
  for (const token of header.split(',')) {
    const [rawName = '', rawValue] = token.split('=', 2);
    const name = rawName.trim().toLowerCase();
    if (name === 'respond-async') respondAsync = true;
    if (name === 'wait' && rawValue !== undefined) {
      const seconds = Number(rawValue.trim().replace(/^"|"$/g, ''));
      if (!Number.isFinite(seconds) || seconds < 0) {
        throw new ProblemError('bad-request', `Prefer: wait must be a number of seconds, e.g. "wait=5"; got ${JSON.stringify(rawValue.trim())}.`);
      }
      waitSeconds = Math.min(seconds, maxWaitSeconds);
    }
  }
  return { respondAsync, waitSeconds };
}
