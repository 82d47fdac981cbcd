function f(x) {
  let y = 1;
  extra();
  done(x);
  return y;
}
