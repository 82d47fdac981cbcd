export interface Shape {
  area(): number;
  readonly name: string;
  perimeter(): number;
}

export function describe(s: Shape): string {
  return `${s.name}: ${s.area()}`;
}
