var a = require('a');

/**
 * Module variables.
 * @private
 */
var flatten = Array.prototype.flat;

/**
 * Application prototype.
 */

var app = {};
