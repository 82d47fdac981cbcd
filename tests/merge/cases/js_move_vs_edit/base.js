import assert from "node:assert";

function checksum(buf) {
  let s = 0;
  for (const b of buf) s = (s + b) & 0xffff;
  return s;
}

export function pack(data) {
  const buf = Buffer.from(data);
  return { buf, sum: checksum(buf) };
}

export function unpack(msg) {
  assert.equal(checksum(msg.buf), msg.sum);
  return msg.buf.toString();
}
