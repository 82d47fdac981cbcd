export class EventBus {
  constructor() {
    this.handlers = new Map();
  }

  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(fn);
  }

  emit(name, ...args) {
    for (const fn of this.handlers.get(name) ?? []) fn(...args);
  }
}

export const bus = new EventBus();
