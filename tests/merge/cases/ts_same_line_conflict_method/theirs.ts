export class Store<T> {
  private data = new Map<string, T>();

  get(key: string): T | undefined {
    return this.data.get(key) ?? undefined;
  }

  set(key: string, value: T): void {
    this.data.set(key, Object.freeze(value));
  }

  evict(key: string): boolean {
    return this.data.delete(key);
  }
}
