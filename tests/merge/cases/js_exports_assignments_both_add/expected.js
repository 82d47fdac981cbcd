'use strict';

var proto = require('./application');

exports = module.exports = createApplication;

exports.application = proto;
exports.request = req;
exports.response = res;
exports.Router = Router;

/**
 * Greets.
 */
Router.prototype.hello = function hello(name) {
  return 'Hello, ' + name;
};

Router.prototype.wave = function wave() {
  return 'o/';
};

Router.prototype.nod = function nod() {
  return 'nod';
};

Router.prototype.bye = function bye() {
  return 'bye';
};
