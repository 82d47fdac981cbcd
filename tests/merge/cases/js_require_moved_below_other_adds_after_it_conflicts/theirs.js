'use strict';

require('./app');
require('./mid');
require('./polyfill');

function main() {
  return 1;
}
