// plugins

<<<<<<< ours
global.merge(require('./plugins/hooks'))
global.merge(require('./plugins/cache'))
global.merge(require('./plugins/cookie'))
=======
var utils = require('./utils')
utils.mixin(require('./plugins/hooks'))
utils.mixin(require('./plugins/cache'))
utils.mixin(require('./plugins/logger'))
utils.mixin(require('./plugins/cookie'))
>>>>>>> theirs

exports.ready = true;
