export interface Shape {
  area(): number;
  readonly name: string;
  perimeter(): number;
  readonly id: string;
}

export function describe(s: Shape): string {
  return `${s.name}: ${s.area()}`;
}
