const config = {
  a: 1,
  z: 0,
  b: 2,
};

function other() {
  return 1;
}
