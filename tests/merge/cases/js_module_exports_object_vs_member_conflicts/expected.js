function main() {
  return 1;
}

function helper() {
  return 2;
}
<<<<<<< ours

module.exports = { main };
=======

module.exports.helper = helper;
>>>>>>> theirs
