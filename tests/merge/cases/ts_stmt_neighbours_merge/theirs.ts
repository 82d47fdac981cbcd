import { log } from './log';

export function run(n: number): number {
  let total = 0;
  const step = 1;
  log('start', n);
  for (let i = 0; i < n; i++) {
    total += i * step;
  }
  log('done', total);
  return total;
}

export class Box {
  size(): number {
    const w = 1;
    const h = 2;
    return w * h;
  }
}
