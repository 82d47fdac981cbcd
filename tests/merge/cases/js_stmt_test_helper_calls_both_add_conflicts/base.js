var expect = require('chai').expect;
var parse = require('../src/parse');

describe('parse', function () {
  it('reads numbers', function () {
    expect(parse('1')).to.equal(1);
  });

  it('reads strings', function () {
    expect(parse('"a"')).to.equal('a');
  });
});
