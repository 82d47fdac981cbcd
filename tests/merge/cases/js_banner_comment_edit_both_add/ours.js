export function main(argv) {
  return run(argv.slice(2));
}

// ---- internal helpers ----

function trim(s) {
  return String(s).trim();
}

function run(args) {
  return args.length;
}
