// helper
function a() {
  return 1;
}

// helper
function b() {
  return 2;
}
