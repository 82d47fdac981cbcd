'use strict';

<<<<<<< ours
=======
require('./app');
require('./mid');
>>>>>>> theirs
require('./polyfill');
require('./app');

function main() {
  return 1;
}
