// Inside a worker thread: what it derives once from an election's public data (manifest, joint key)
// and reuses for every task of that election. Tasks name the election by a key (a digest of what the
// context is built from), so a thread that has not seen it builds it from the same task.

/** Contexts by key, the least recently used dropped beyond `capacity`. */
export class ContextCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 64) {}

  /** The context of `key`, built by `build` the first time. */
  get(key: string, build: () => T): T {
    const held = this.entries.get(key);
    if (held !== undefined) {
      // Map keeps insertion order: moving the entry to the end makes the first the least recent.
      this.entries.delete(key);
      this.entries.set(key, held);
      return held;
    }
    const built = build();
    this.entries.set(key, built);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    return built;
  }

  get size(): number {
    return this.entries.size;
  }
}
