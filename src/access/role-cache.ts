/**
 * Role bindings as each gateway process sees them: looked up on every request, so cached in the
 * process. Other processes change bindings too; every change moves one revision number in the
 * database (in the same transaction), and the cache compares it with the one it last saw at most
 * once per `revisionCheckMs`, forgetting everything when it moved. A removed role thus stops
 * working on every process within that interval (1 s by default), for one tiny query per
 * interval per busy process, however many requests and principals there are; a change made by
 * this process applies to it at once.
 */
import type { Database } from '../db/client.js';
import type { RoleBinding } from './policy.js';
import * as repo from './repository.js';

export interface RoleCacheOptions {
  now?: () => number;
  /** How often the revision is compared: the longest a process acts on a removed role. */
  revisionCheckMs?: number;
  /** Lookups kept at most; the oldest go first. */
  maxEntries?: number;
}

export class RoleBindingCache {
  private readonly now: () => number;
  private readonly revisionCheckMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Promise<RoleBinding[]>>();
  private revision?: number;
  private checkedAt = -Infinity;
  private checking?: Promise<void>;

  constructor(
    private readonly db: Database,
    options: RoleCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.revisionCheckMs = options.revisionCheckMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The bindings of `principal` and of `*` in `workspace`. */
  inWorkspace(principal: string, workspace: string): Promise<RoleBinding[]> {
    return this.cached(JSON.stringify([principal, workspace]), () =>
      repo.bindingsFor(this.db, principal, workspace),
    );
  }

  /** The bindings of `principal` and of `*` in every workspace. */
  everywhere(principal: string): Promise<RoleBinding[]> {
    return this.cached(JSON.stringify([principal]), () => repo.bindingsFor(this.db, principal));
  }

  /** Forgets every lookup: this process has just changed bindings. */
  invalidate(): void {
    this.entries.clear();
  }

  private async cached(key: string, load: () => Promise<RoleBinding[]>): Promise<RoleBinding[]> {
    await this.checkRevision();
    let entry = this.entries.get(key);
    if (!entry) {
      // The promise is cached, not its result: concurrent lookups share one query, and a
      // lookup under way when the cache is cleared is not put back.
      const loading = load();
      entry = loading;
      this.entries.set(key, loading);
      loading.catch(() => this.entries.get(key) === loading && this.entries.delete(key));
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }

  private async checkRevision(): Promise<void> {
    if (this.now() - this.checkedAt < this.revisionCheckMs) return;
    this.checking ??= (async () => {
      const startedAt = this.now();
      const revision = await repo.readRevision(this.db);
      if (revision !== this.revision) {
        this.entries.clear();
        this.revision = revision;
      }
      this.checkedAt = startedAt;
    })().finally(() => (this.checking = undefined));
    await this.checking;
  }
}
