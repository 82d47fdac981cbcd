'use strict';

<<<<<<< ours
=======
require('./a');
require('./z');
>>>>>>> theirs
app.use(x);
require('./a');

function main() {
  return 1;
}
