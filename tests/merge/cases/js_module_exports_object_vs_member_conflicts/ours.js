function main() {
  return 1;
}

function helper() {
  return 2;
}

module.exports = { main };
