const config = {
  a: 1,
  \u0062: 3,
};

function other() {
  return 1;
}
