var util = require('util')

var cfg = {}
cfg.port = 80
cfg.host = 'localhost'
cfg.timeout = 30

exports.start = function () {
  return util.format('%s', 1)
}
