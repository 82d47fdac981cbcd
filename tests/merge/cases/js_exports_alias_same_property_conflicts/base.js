function parse(s) {
  return JSON.parse(s);
}

exports.parse = parse;
