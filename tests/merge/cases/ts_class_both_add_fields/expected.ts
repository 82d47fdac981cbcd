export class Counter {
  count = 0;
  max = 10;
  step = 1;

  inc(): void {
    this.count += this.step;
  }
}
