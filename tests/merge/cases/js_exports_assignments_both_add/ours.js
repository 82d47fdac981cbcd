'use strict';

var proto = require('./application');

exports = module.exports = createApplication;

exports.application = proto;
exports.request = req;
exports.response = res;

/**
 * Greets.
 */
Router.prototype.hello = function hello(name) {
  return 'hello ' + name;
};

Router.prototype.wave = function wave() {
  return 'o/';
};

Router.prototype.bye = function bye() {
  return 'bye';
};
