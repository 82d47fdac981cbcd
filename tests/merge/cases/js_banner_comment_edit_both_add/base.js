export function main(argv) {
  return run(argv.slice(2));
}

// ---- helpers ----

function run(args) {
  return args.length;
}
