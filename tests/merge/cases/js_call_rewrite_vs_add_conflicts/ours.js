// plugins

global.merge(require('./plugins/hooks'))
global.merge(require('./plugins/cache'))
global.merge(require('./plugins/cookie'))

exports.ready = true;
