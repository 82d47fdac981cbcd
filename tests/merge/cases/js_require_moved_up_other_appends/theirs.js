'use strict';

require('./app');
require('./polyfill');
require('./extra');

function main() {
  return 1;
}
