'use strict';

require('./polyfill');
require('./app');
require('./extra');

function main() {
  return 1;
}
