'use strict';

require('./app');
require('./polyfill');

function main() {
  return 1;
}
