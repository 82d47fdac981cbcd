var assert = require('assert');
var utils = require('../lib/utils');

describe('utils.etag(body)', function(){
  it('should support strings', function(){
    assert.strictEqual(utils.etag('express!'), '"8-O2uVAFaQ1rZvlKLT14RnuvjPIdg"');
  })
})

describe('utils.isAbsolute()', function(){
  it('should support unices', function(){
    assert(utils.isAbsolute('/foo/bar'));
  })
})
