const config = {
  a: 1, // deprecated
  b: 2,
};

function other() {
  return 1;
}
