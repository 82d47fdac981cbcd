import { memoize } from "./memo";

export class PriceService {
  constructor(private readonly rates: Record<string, number>) {}

  convert(amount: number, currency: string): number {
    const rate = this.rates[currency];
    return amount * rate;
  }

  format(amount: number): string {
    return amount.toFixed(2);
  }
}
