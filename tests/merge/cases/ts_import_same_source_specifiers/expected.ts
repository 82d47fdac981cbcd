<<<<<<< ours
import { clamp, lerp } from "./util";
=======
import { clamp, round } from "./util";
>>>>>>> theirs

export function normalize(x: number): number {
  return lerp(0, 1, clamp(x, 0, 1));
}
