exports.a = 1;
exports.b = 2;
exports.c = 3;

function f() {
  return 1;
}
