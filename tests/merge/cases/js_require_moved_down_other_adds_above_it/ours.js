'use strict';

require('./b');
require('./c');
require('./a');

function main() {
  return 1;
}
