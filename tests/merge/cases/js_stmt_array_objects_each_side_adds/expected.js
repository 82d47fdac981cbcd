function f() {
  return [
    { a: 1, c: 3 },
    { b: 2, d: 4 },
  ];
}
