/**
 * API keys: entries `tenant:key`, or `tenant:sha256:<64 hex>` so that a deployment need not
 * store the key itself. Only the SHA-256 of each key is kept in memory; a presented key is
 * hashed and compared with every entry in constant time (src/http/auth.ts).
 */
import { hash } from 'node:crypto';

export interface ApiKey {
  readonly tenant: string;
  /** SHA-256 of the key. */
  readonly digest: Buffer;
}

/** Tenant names appear in lanes, Redis keys and logs: plain and short. */
export const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `crypto.hash`, one call: a Hash object per presented key cost the cheapest request 1.4 µs, this 0.85. */
export function keyDigest(key: string): Buffer {
  return hash('sha256', key, 'buffer');
}

/**
 * Parses entries, one per item; `where(index)` names an entry in messages (never the key).
 * Returns the keys or the list of what is wrong.
 */
export function parseApiKeys(entries: readonly string[], where: (index: number) => string): { keys: ApiKey[]; problems: string[] } {
  const keys: ApiKey[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  entries.forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) return;
    const colon = entry.indexOf(':');
    const tenant = colon < 0 ? '' : entry.slice(0, colon);
    const secret = colon < 0 ? '' : entry.slice(colon + 1);
    if (!tenantPattern.test(tenant)) {
      problems.push(`${where(index)}: write tenant:key or tenant:sha256:<64 hex digits>, the tenant in letters, digits, . _ - (at most 64)`);
      return;
    }
    let digest: Buffer;
    if (secret.startsWith('sha256:')) {
      const hex = secret.slice('sha256:'.length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
        problems.push(`${where(index)}: tenant ${tenant}: sha256: must be followed by the 64 hex digits of the key's SHA-256`);
        return;
      }
      digest = Buffer.from(hex, 'hex');
    } else {
      if (secret.length < 16 || /\s/.test(secret)) {
        problems.push(`${where(index)}: tenant ${tenant}: a key must be at least 16 characters with no whitespace`);
        return;
      }
      digest = keyDigest(secret);
    }
    const hex = digest.toString('hex');
    const other = seen.get(hex);
    if (other !== undefined) {
      problems.push(`${where(index)}: tenant ${tenant} has the same key as tenant ${other}: every key must name one tenant`);
      return;
    }
    seen.set(hex, tenant);
    keys.push({ tenant, digest });
  });
  return { keys, problems };
}
