/**
 * An immutable environment list with Go's `llb.EnvList` ordering: a key sits
 * at the position of its most recent set, setting it again moves it to the
 * end, and deleting removes it.
 */

export class EnvList {
  static readonly empty = new EnvList(undefined, "", "", false);

  private computedKeys: string[] | undefined;
  private computedValues: Map<string, string> | undefined;
  private computedEntries: readonly string[] | undefined;

  private constructor(
    private readonly parent: EnvList | undefined,
    private readonly key: string,
    private readonly val: string,
    private readonly del: boolean,
  ) {}

  addOrReplace(key: string, value: string): EnvList {
    return new EnvList(this, key, value, false);
  }

  /** Sets `key` only when it is not set yet. */
  setDefault(key: string, value: string): EnvList {
    return this.get(key) === undefined ? this.addOrReplace(key, value) : this;
  }

  delete(key: string): EnvList {
    return new EnvList(this, key, "", true);
  }

  private compute(): void {
    if (this.computedValues) return;
    // One pass from newest to oldest, as Go's makeValues, stopping at the nearest computed ancestor.
    const seen = new Set<string>();
    const newestFirst: string[] = [];
    const values = new Map<string, string>();
    let n: EnvList | undefined = this;
    while (n && n.parent && !n.computedValues) {
      if (!seen.has(n.key)) {
        seen.add(n.key);
        if (!n.del) {
          values.set(n.key, n.val);
          newestFirst.push(n.key);
        }
      }
      n = n.parent;
    }
    const keys: string[] = [];
    if (n?.computedKeys) {
      for (const k of n.computedKeys) {
        if (seen.has(k)) continue;
        keys.push(k);
        values.set(k, n.computedValues!.get(k)!);
      }
    }
    for (let i = newestFirst.length - 1; i >= 0; i--) keys.push(newestFirst[i]!);
    this.computedKeys = keys;
    this.computedValues = values;
  }

  get(key: string): string | undefined {
    this.compute();
    return this.computedValues!.get(key);
  }

  keys(): readonly string[] {
    this.compute();
    return this.computedKeys!;
  }

  /** `KEY=value` entries in order. */
  toArray(): string[] {
    return [...this.entries()];
  }

  /** @internal {@link toArray} computed once per list and shared: ops marshalled on the same env reuse it. */
  entries(): readonly string[] {
    if (this.computedEntries) return this.computedEntries;
    this.compute();
    const vals = this.computedValues!;
    this.computedEntries = this.computedKeys!.map((k) => `${k}=${vals.get(k)}`);
    return this.computedEntries;
  }
}
