import { clamp, round } from "./util";

export function normalize(x: number): number {
  return clamp(x, 0, 1);
}
