var http = require('http')
  , path = require('path')
  , send = require('send');

exports.a = function () {
  return http;
};
