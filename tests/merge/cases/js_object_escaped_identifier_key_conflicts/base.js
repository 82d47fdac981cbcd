const config = {
  a: 1,
};

function other() {
  return 1;
}
