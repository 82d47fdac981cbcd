var zlib = require('zlib')
  , http = require('http')
  , path = require('path');

exports.a = function () {
  return http;
};
