export function greet(name) {
  return `Hello, ${name}!`;
}

export function farewell(name) {
  return `Bye, ${name}.`;
}