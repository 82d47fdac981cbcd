export interface Options {
  verbose: boolean;
}

export function defaults(): Options {
  return { verbose: false };
}
