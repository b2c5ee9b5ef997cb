/**
 * Stored user functions: a named set of map, combine and reduce sources, checked and compiled
 * once when stored (POST /v1/functions), then invoked by id as often as wanted. Each belongs to
 * the tenant that stored it; every lookup names the tenant, so another tenant's id is simply
 * not there. Where they live is a `FunctionStore`: in memory in the embedded mode
 * (memory-store.ts), in Redis in the distributed mode (src/distributed/functions.ts), both
 * bounded per tenant in count and bytes.
 */
import type { SandboxFunctions } from '../sandbox/types.js';

export interface StoredFunction {
  /** 128 random bits, base64url. */
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  readonly functions: SandboxFunctions;
  /** sha-256 of the sources (src/sandbox/source.ts functionsDigest). */
  readonly digest: string;
  /** UTF-8 bytes of the name and the sources: what the tenant's byte bound counts. */
  readonly bytes: number;
  readonly createdAt: string;
}

/** Per tenant. */
export interface FunctionStoreLimits {
  readonly maxPerTenant: number;
  readonly maxBytesPerTenant: number;
}

export interface FunctionStore {
  /** Stores it, or throws FunctionStoreFullError when the tenant's count or bytes would pass their bound. */
  insert(stored: StoredFunction): Promise<void>;
  /** The tenant's function with that id, or undefined (another tenant's id included). */
  get(tenant: string, id: string): Promise<StoredFunction | undefined>;
  /** The tenant's functions, most recent first. */
  list(tenant: string): Promise<StoredFunction[]>;
  /** Removes it; false when the tenant has no such function. */
  delete(tenant: string, id: string): Promise<boolean>;
}

/** UTF-8 bytes a stored function is charged for. */
export function storedBytes(name: string, functions: SandboxFunctions): number {
  let bytes = Buffer.byteLength(name, 'utf8') + Buffer.byteLength(functions.map, 'utf8') + Buffer.byteLength(functions.reduce, 'utf8');
  if (functions.combine !== undefined) bytes += Buffer.byteLength(functions.combine, 'utf8');
  return bytes;
}
