function parse(s) {
  return JSON.parse(s);
}

exports.parse = parse;

module.exports.version = "2.0";
