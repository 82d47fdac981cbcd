var util = require('util')

var cfg = {}
cfg.port = 80
cfg.host = 'localhost'

exports.start = function () {
  return util.format('%s', 1)
}
