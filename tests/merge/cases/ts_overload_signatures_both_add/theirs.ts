export function check(name: string, expression: string): boolean;
export function check(a: any): boolean {
  return !!a;
}
