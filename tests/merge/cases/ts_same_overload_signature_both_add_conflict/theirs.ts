export function check(a: string): number;
export function check(a: any): boolean {
  return !!a;
}
