function f() {
  g({
    b: 2,
  }, {
    a: 1,
  });
}
