'use strict';

require('./a');
app.use(x);

function main() {
  return 1;
}
