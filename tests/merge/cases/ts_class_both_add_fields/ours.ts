export class Counter {
  count = 0;
  step = 1;

  inc(): void {
    this.count += this.step;
  }
}
