var a = require('a');

/**
 * Module variables.
 * @private
 */

var slice = Array.prototype.slice;

/**
 * Application prototype.
 */

var app = {};
