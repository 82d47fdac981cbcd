var expect = require('chai').expect;
var parse = require('../src/parse');

describe('parse', function () {
  it('reads numbers', function () {
    expect(parse('1')).to.equal(1);
  });

  it.only("reads negative numbers", function () {
    expect(parse('-2')).to.equal(-2);
  });

  it('reads strings', function () {
    expect(parse('"a"')).to.equal('a');
  });
});
