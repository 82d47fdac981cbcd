// Small arithmetic helpers.
export const add = (a, b) => a + b;
export const sub = (a, b) => Number(a) - Number(b);
export const mul = (a, b) => a * b;
export const div = (a, b) => (b === 0 ? NaN : a / b);
