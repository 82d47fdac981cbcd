export interface Size {
  w: number;
  h: number;
}

export function area(s: Size): number {
  return s.w * s.h;
}
