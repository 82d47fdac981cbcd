export function formatDate(d) {
  return d.toISOString().slice(0, 10);
}

export function parseDate(s) {
  return new Date(s);
}
