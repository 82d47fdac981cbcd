function f(x) {
  let y = 1;
  log(x);
  done(x);
  return y;
}
