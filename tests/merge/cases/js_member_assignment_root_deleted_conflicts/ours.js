var util = require('util')

exports.start = function () {
  return util.format('%s', 1)
}
