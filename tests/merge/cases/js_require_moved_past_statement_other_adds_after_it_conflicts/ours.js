'use strict';

app.use(x);
require('./a');

function main() {
  return 1;
}
