import { readFileSync } from "fs";
import { parse } from "./parser";

/** Settings loaded at start-up. */
export interface Settings {
  root: string;
  verbose: boolean;
}

export const DEFAULT_ROOT = "/srv/app";

export function load(path: string): Settings {
  const text = readFileSync(path, "utf8");
  return parse(text);
}

/** Being edited: the closing parenthesis of the condition is missing. */
export function validate(s: Settings): string[] {
  const errors: string[] = [];
  if (s.root.length === 0 {
    errors.push("root is empty");
  }
  return errors;
}

export class Loader {
  private cache = new Map<string, Settings>();

  get(path: string): Settings {
    let hit = this.cache.get(path);
    if (!hit) {
      hit = load(path);
      this.cache.set(path, hit);
    }
    return hit;
  }
}

export default function main(): void {
  const loader = new Loader();
  console.log(loader.get(process.argv[2] ?? DEFAULT_ROOT));
}
