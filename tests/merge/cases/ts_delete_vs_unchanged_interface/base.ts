export interface Options {
  verbose: boolean;
}

/**
 * Legacy options, kept for v1 callers.
 * @deprecated
 */
export interface LegacyOptions {
  quiet: boolean;
}

export function defaults(): Options {
  return { verbose: false };
}
