'use strict';

require('./a');
require('./b');
require('./c');

function main() {
  return 1;
}
