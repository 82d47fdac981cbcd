function f(x) {
  let y = 1;
<<<<<<< ours
=======
  log(z);
>>>>>>> theirs
  extra();
  done(x);
  return y;
}
