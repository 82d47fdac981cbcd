<<<<<<< ours
var zlib = require('zlib')
  , 
=======
var vary = require('vary');
>>>>>>> theirs
http = require('http')
  , path = require('path');

exports.a = function () {
  return http;
};
