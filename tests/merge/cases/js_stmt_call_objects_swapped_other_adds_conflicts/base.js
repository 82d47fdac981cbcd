function f() {
  g({
    a: 1,
  }, {
    b: 2,
  });
}
