// helper
function a() {
  return 1;
}

<<<<<<< ours
=======
// helper: returns two, do not inline
>>>>>>> theirs
function b() {
  return 2;
}
