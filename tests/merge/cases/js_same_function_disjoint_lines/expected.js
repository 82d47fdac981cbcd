function tokenize(src) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      let j = i;
      while (j < src.length && /[0-9]/.test(src[j])) j++;
      out.push({ type: "num", value: Number(src.slice(i, j)) });
      i = j;
      continue;
    }
    out.push({ type: "op", value: ch });
    i++;
  }
  out.push({ type: "eof" });
  return out;
}

module.exports = { tokenize };
