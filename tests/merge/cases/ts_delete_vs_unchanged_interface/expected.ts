export interface Options {
  verbose: boolean;
  color?: boolean;
}

export function defaults(): Options {
  return { verbose: false, color: true };
}
