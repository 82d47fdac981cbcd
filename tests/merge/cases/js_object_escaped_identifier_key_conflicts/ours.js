const config = {
  a: 1,
  b: 2,
};

function other() {
  return 1;
}
