const config = {
  a: 1,
<<<<<<< ours
  b: 2,
=======
  \u0062: 3,
>>>>>>> theirs
};

function other() {
  return 1;
}
