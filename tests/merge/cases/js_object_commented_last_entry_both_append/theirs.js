const config = {
  a: 1,
  b: 2, // deprecated
  d: 4,
};

function other() {
  return 1;
}
