export class Store<T> {
  onChange?: (key: string) => void;

  private readonly data = new Map<string, T>();

  get(key: string): T | undefined {
    return this.data.get(key);
  }

  set(key: string, value: T): void {
    this.data.set(key, value);
    this.onChange?.(key);
  }

  evict(key: string): boolean {
    return this.data.delete(key);
  }
}
