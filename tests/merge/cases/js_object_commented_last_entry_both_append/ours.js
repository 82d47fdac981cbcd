const config = {
  a: 1,
  b: 2, // deprecated
  c: 3,
};

function other() {
  return 1;
}
