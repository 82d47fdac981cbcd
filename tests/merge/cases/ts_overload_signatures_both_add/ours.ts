export function check(expression: string): boolean;
export function check(a: any): boolean {
  return !!a;
}
