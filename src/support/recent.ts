/**
 * A map that forgets its least recently used entries, kept in two generations (as quick-lru
 * does): an entry set or found goes into the recent one; when that is full it becomes the older
 * one and the oldest are let go. (Evicting one at a time from a Map that entries move within costs
 * a scan past every moved entry's hole in V8's Map.)
 */
export class Recent<V> {
  private recent = new Map<string, V>();
  private older = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const recent = this.recent.get(key);
    if (recent !== undefined) return recent;
    const older = this.older.get(key);
    if (older !== undefined) this.set(key, older);
    return older;
  }

  set(key: string, value: V): void {
    this.older.delete(key);
    this.recent.set(key, value);
    if (this.recent.size < this.max / 2) return;
    this.older = this.recent;
    this.recent = new Map();
  }
}
