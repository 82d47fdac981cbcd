const config = {
  a: 1,
  b: 2, // deprecated
  c: 3,
  d: 4,
};

function other() {
  return 1;
}
