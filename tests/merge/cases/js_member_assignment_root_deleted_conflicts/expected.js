var util = require('util')

<<<<<<< ours
=======
var cfg = {}
cfg.port = 80
cfg.host = 'localhost'
cfg.timeout = 30

>>>>>>> theirs
exports.start = function () {
  return util.format('%s', 1)
}
