import { readFileSync } from "node:fs";

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function readLines(path) {
  return readFileSync(path, "utf8").split("\n");
}

function readBytes(path) {
  return readFileSync(path);
}
