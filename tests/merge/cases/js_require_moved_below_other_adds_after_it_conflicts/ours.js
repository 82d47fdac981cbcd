'use strict';

require('./polyfill');
require('./app');

function main() {
  return 1;
}
