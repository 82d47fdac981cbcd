export function check(a: string): boolean;
export function check(a: any): boolean {
  return !!a;
}
