export function main(argv) {
  return run(argv.slice(2));
}

// ---- internal helpers ----

function trim(s) {
  return String(s).trim();
}

function pad(s, n) {
  return String(s).padStart(n);
}

function run(args) {
  return args.length;
}
