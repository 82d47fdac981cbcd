var http = require('http')
  , path = require('path');

exports.a = function () {
  return http;
};
