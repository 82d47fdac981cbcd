export function parse(text) {
  return text.split(",");
}

export function normalize(items) {
  return items.map((s) => s.trim());
}

export function validate(items) {
  return items.every(Boolean);
}

export function sort(items) {
  return [...items].sort();
}

export function render(items) {
  return items.join(", ");
}
