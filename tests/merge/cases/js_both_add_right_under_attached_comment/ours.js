'use strict';

var path = require('node:path');

/**
 * Module variables.
 * @private
 */
var dirname = path.dirname;
var extname = path.extname;
var join = path.join;

function f() {
  return join('a', extname('b'));
}
