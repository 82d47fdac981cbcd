var http = require('http');

var res = Object.create(http.ServerResponse.prototype);

module.exports = res;

/**
 * Set status `code`.
 */
res.status = function status(code) {
  this.statusCode = code;
  this.statusMessage = http.STATUS_CODES[code];
  return this;
};

/**
 * Set the Location header.
 */
res.location = function location(url) {
  return this.set('Location', url);
};

/**
 * Set header `field` to `val`.
 */
res.set = function set(field, val) {
  this.setHeader(field, val);
  return this;
};
