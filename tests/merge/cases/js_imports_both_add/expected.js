import path from "node:path";
import { promises as fs } from "node:fs";
import os from "node:os";
import { debuglog } from "node:util";

export async function copyTree(src, dst) {
  await fs.mkdir(dst || os.tmpdir(), { recursive: true });
  for (const name of await fs.readdir(src)) {
    debuglog("copy")(name);
    await fs.copyFile(path.join(src, name), path.join(dst, name));
  }
}
