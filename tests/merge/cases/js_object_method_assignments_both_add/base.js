var http = require('http');

var res = Object.create(http.ServerResponse.prototype);

module.exports = res;

/**
 * Set status `code`.
 */
res.status = function status(code) {
  this.statusCode = code;
  return this;
};

/**
 * Set header `field` to `val`.
 */
res.set = function set(field, val) {
  this.setHeader(field, val);
  return this;
};
