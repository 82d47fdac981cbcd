exports.a = 1;
exports.b = 2;
<<<<<<< ours
exports.c = 3;
=======
exports.c = 4;
>>>>>>> theirs

function f() {
  return 1;
}
