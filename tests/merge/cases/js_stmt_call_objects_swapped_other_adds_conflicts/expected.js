function f() {
  g({
<<<<<<< ours
=======
    a: 1,
    c: 3,
  }, {
>>>>>>> theirs
    b: 2,
  }, {
    a: 1,
  });
}
