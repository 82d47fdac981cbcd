function parse(s) {
  return JSON.parse(s);
}

exports.parse = parse;

exports.version = "1.0";
