function parse(s) {
  return JSON.parse(s);
}

exports.parse = parse;

<<<<<<< ours
exports.version = "1.0";
=======
module.exports.version = "2.0";
>>>>>>> theirs
