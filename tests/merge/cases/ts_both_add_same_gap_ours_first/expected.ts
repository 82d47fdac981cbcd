export interface Size {
  w: number;
  h: number;
}

export function diagonal(s: Size): number {
  return Math.hypot(s.w, s.h);
}

export interface Point {
  x: number;
  y: number;
}

export function area(s: Size): number {
  return s.w * s.h;
}
