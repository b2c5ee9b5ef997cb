/** The embedded mode's function store: in this process's memory, gone on restart, bounded per tenant. */
import { FunctionStoreFullError } from './errors.js';
import type { FunctionStore, FunctionStoreLimits, StoredFunction } from './types.js';

interface TenantFunctions {
  /** In insertion order, so the list is the reverse. */
  readonly byId: Map<string, StoredFunction>;
  bytes: number;
}

export class MemoryFunctionStore implements FunctionStore {
  readonly #tenants = new Map<string, TenantFunctions>();

  constructor(private readonly limits: FunctionStoreLimits) {}

  async insert(stored: StoredFunction): Promise<void> {
    let tenant = this.#tenants.get(stored.tenant);
    if (tenant === undefined) {
      tenant = { byId: new Map(), bytes: 0 };
      this.#tenants.set(stored.tenant, tenant);
    }
    const { maxPerTenant, maxBytesPerTenant } = this.limits;
    if (tenant.byId.size >= maxPerTenant) throw new FunctionStoreFullError('count', maxPerTenant, tenant.byId.size);
    if (tenant.bytes + stored.bytes > maxBytesPerTenant) throw new FunctionStoreFullError('bytes', maxBytesPerTenant, tenant.bytes + stored.bytes);
    tenant.byId.set(stored.id, stored);
    tenant.bytes += stored.bytes;
  }

  async get(tenant: string, id: string): Promise<StoredFunction | undefined> {
    return this.#tenants.get(tenant)?.byId.get(id);
  }

  async list(tenant: string): Promise<StoredFunction[]> {
    return [...(this.#tenants.get(tenant)?.byId.values() ?? [])].reverse();
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const functions = this.#tenants.get(tenant);
    const stored = functions?.byId.get(id);
    if (functions === undefined || stored === undefined) return false;
    functions.byId.delete(id);
    functions.bytes -= stored.bytes;
    if (functions.byId.size === 0) this.#tenants.delete(tenant);
    return true;
  }
}
