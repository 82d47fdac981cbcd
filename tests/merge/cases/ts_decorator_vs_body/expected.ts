import { memoize } from "./memo";

export class PriceService {
  constructor(private readonly rates: Record<string, number>) {}

  @memoize()
  convert(amount: number, currency: string): number {
    const rate = this.rates[currency];
    if (rate === undefined) throw new Error(`no rate for ${currency}`);
    return amount * rate;
  }

  format(amount: number): string {
    return amount.toFixed(2);
  }
}
