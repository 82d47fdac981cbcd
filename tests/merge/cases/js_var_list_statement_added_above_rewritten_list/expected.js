var vary = require('vary');
var http = require('http');
var path = require('path');
var send = require('send');
var mime = send.mime;

exports.a = function () {
  return http;
};
