export function main(argv) {
  return run(argv.slice(2));
}

// ---- helpers ----

function pad(s, n) {
  return String(s).padStart(n);
}

function run(args) {
  return args.length;
}
