export class Counter {
  count = 0;
  max = 10;

  inc(): void {
    this.count++;
  }
}
