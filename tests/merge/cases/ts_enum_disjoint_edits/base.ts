export enum LogLevel {
  Debug = 10,
  Info = 20,
  Warn = 30,
  Error = 40,
}

export function enabled(level: LogLevel, min: LogLevel): boolean {
  return level >= min;
}
