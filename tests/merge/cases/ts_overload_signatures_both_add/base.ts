export function check(a: any): boolean {
  return !!a;
}
