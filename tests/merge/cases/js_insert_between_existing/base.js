export function parse(text) {
  return text.split(",");
}

export function validate(items) {
  return items.every(Boolean);
}

export function render(items) {
  return items.join(", ");
}
