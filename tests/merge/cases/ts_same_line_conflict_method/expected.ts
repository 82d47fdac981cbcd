export class Store<T> {
  private data = new Map<string, T>();

  get(key: string): T | undefined {
<<<<<<< ours
    return this.data.get(key.toLowerCase());
=======
    return this.data.get(key) ?? undefined;
>>>>>>> theirs
  }

  set(key: string, value: T): void {
    this.data.set(key, Object.freeze(value));
  }

  evict(key: string): boolean {
    return this.data.delete(key);
  }
}
