import { clamp, lerp, round } from "./util";

export function normalize(x: number): number {
  return lerp(0, 1, clamp(x, 0, 1));
}
