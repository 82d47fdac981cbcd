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
 * Send JSON response.
 */
res.json = function json(obj) {
  return this.send(JSON.stringify(obj));
};

/**
 * Set header `field` to `val`.
 */
res.set = function set(field, val) {
  this.setHeader(field, String(val));
  return this;
};
