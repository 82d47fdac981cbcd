'use strict';

require('./a');
require('./z');
app.use(x);

function main() {
  return 1;
}
