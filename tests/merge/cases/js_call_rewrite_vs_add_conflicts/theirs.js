// plugins

var utils = require('./utils')
utils.mixin(require('./plugins/hooks'))
utils.mixin(require('./plugins/cache'))
utils.mixin(require('./plugins/logger'))
utils.mixin(require('./plugins/cookie'))

exports.ready = true;
