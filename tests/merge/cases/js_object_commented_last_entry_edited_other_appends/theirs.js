const config = {
  a: 1,
  b: 5, // deprecated
};

function other() {
  return 1;
}
