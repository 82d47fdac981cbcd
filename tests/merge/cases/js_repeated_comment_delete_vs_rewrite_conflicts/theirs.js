// helper
function a() {
  return 1;
}

// helper: returns two, do not inline
function b() {
  return 2;
}
