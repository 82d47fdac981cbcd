export interface Size {
  w: number;
  h: number;
}

export interface Point {
  x: number;
  y: number;
}

export function area(s: Size): number {
  return s.w * s.h;
}
