export class Counter {
  count = 0;
  step = 1;
  max = 10;

  inc(): void {
    this.count += this.step;
  }
}
