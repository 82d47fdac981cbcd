export function formatDate(d) {
  return d.toISOString().slice(0, 10);
}

export function formatMonth(d) {
  return d.toISOString().slice(0, 7);
}

export function parseDate(s) {
  return new Date(s);
}
