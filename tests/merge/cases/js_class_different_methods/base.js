export class Cart {
  constructor(owner) {
    this.owner = owner;
    this.items = [];
  }

  add(item, qty = 1) {
    this.items.push({ item, qty });
    return this;
  }

  remove(item) {
    this.items = this.items.filter((e) => e.item !== item);
    return this;
  }

  total(prices) {
    let sum = 0;
    for (const e of this.items) {
      sum += prices[e.item] * e.qty;
    }
    return sum;
  }
}
