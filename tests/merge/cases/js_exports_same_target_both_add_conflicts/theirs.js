exports.a = 1;
exports.b = 2;
exports.c = 4;

function f() {
  return 1;
}
