const { sum } = require('./sum');

describe('sum', () => {
  it('adds', () => {
    expect(sum(1, 2)).toBe(3);
  });
});

describe.each([[1, 1, 2], [2, 2, 4]])('sum(%i, %i)', (a, b, want) => {
  it('returns the total', () => {
    expect(sum(a, b)).toBe(want);
  });
});
