import { readFileSync } from "node:fs";

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

<<<<<<< ours
=======
function readLines(path) {
  return readFileSync(path, "utf8").split(/\r?\n/);
}
>>>>>>> theirs

function readBytes(path) {
  return readFileSync(path);
}
