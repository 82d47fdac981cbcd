const config = {
<<<<<<< ours
  a: 1, // deprecated
=======
  a: 1,
  z: 0,
>>>>>>> theirs
  b: 2,
};

function other() {
  return 1;
}
