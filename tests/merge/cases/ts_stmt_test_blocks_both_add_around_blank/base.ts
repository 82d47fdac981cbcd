import { expect } from 'chai';
import { parse } from '../src/parse';

describe('parse', () => {
  it('reads numbers', () => {
    expect(parse('1')).to.equal(1);
  });

  it('reads strings', () => {
    expect(parse('"a"')).to.equal('a');
  });
});
