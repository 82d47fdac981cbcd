'use strict';

var proto = require('./application');

exports = module.exports = createApplication;

exports.application = proto;
exports.request = req;

/**
 * Greets.
 */
Router.prototype.hello = function hello(name) {
  return 'hello ' + name;
};

Router.prototype.bye = function bye() {
  return 'bye';
};
