const config = {
  a: 1,
<<<<<<< ours
  b: 2, // deprecated
=======
  b: 2,
  c: 3,
>>>>>>> theirs
};

function other() {
  return 1;
}
