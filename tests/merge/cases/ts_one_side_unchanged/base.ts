export class Store<T> {
  private data = new Map<string, T>();

  get(key: string): T | undefined {
    return this.data.get(key);
  }

  set(key: string, value: T): void {
    this.data.set(key, value);
  }

  evict(key: string): boolean {
    return this.data.delete(key);
  }
}
