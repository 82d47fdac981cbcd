// Small arithmetic helpers.
export const add = (a, b) => Number(a) + Number(b);
export const sub = (a, b) => Number(a) - Number(b);
export const mul = (a, b) => Math.fround(a * b);
export const div = (a, b) => (b === 0 ? NaN : a / b);
