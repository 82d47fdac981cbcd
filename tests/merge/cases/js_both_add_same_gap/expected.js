export function formatDate(d) {
  return d.toISOString().slice(0, 10);
}

export function formatTime(d) {
  return d.toISOString().slice(11, 19);
}

export function formatMonth(d) {
  return d.toISOString().slice(0, 7);
}

export function parseDate(s) {
  return new Date(s);
}
