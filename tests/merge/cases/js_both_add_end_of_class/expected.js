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

  off(name, fn) {
    const list = this.handlers.get(name) ?? [];
    this.handlers.set(name, list.filter((f) => f !== fn));
  }

  clear() {
    this.handlers.clear();
  }
}

export const bus = new EventBus();
