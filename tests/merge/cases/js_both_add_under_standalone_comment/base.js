var a = require('a');

/**
 * Module variables.
 * @private
 */

/**
 * Application prototype.
 */

var app = {};
