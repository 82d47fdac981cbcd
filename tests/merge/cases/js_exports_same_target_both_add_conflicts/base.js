exports.a = 1;
exports.b = 2;

function f() {
  return 1;
}
