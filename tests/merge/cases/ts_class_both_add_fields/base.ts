export class Counter {
  count = 0;

  inc(): void {
    this.count++;
  }
}
