function f(x) {
  let y = 1;
  log(z);
  extra();
  done(x);
  return y;
}
