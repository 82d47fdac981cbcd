const config = {
  a: 1,
  b: 2, // deprecated
};

function other() {
  return 1;
}
