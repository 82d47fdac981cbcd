// Task queue: a small ES module used by the worker pool.
import { EventEmitter } from "events";
import fs, { promises as fsp } from "fs";
import * as path from "path";
import { retry } from "./retry.js";
import "./polyfills.js";

const { inspect } = require("util");

/** Default number of attempts for a task. */
export const MAX_ATTEMPTS = 3;

let nextId = 1;
var legacyFlag = false;

const DEFAULTS = {
  concurrency: 4,
  // object-literal methods are not symbols
  onError(err) {
    console.error(err);
  },
};

/**
 * Build a task id.
 * @param {string} prefix
 * @returns {string}
 */
export function makeId(prefix) {
  return `${prefix}-${nextId++}`;
}

/** Sleep for `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const double = function (x) {
  return x * 2;
};

export async function* drain(queue) {
  while (queue.size > 0) {
    yield await queue.take();
  }
}

/**
 * A FIFO of pending tasks.
 */
export class TaskQueue extends EventEmitter {
  static instances = 0;
  #items = [];
  size = 0;

  /** @param {object} options */
  constructor(options = {}) {
    super();
    this.options = { ...DEFAULTS, ...options };
    TaskQueue.instances++;
  }

  /** Add a task; returns its id. */
  push(task) {
    const id = makeId("task");
    this.#items.push({ id, task });
    this.size = this.#items.length;
    this.emit("push", id);
    return id;
  }

  async take() {
    const item = this.#items.shift();
    this.size = this.#items.length;
    return retry(() => item.task(), MAX_ATTEMPTS);
  }

  get empty() {
    return this.size === 0;
  }

  set limit(n) {
    this.options.concurrency = n;
  }

  #log(msg) {
    console.log(inspect(msg));
  }

  static create(options) {
    return new TaskQueue(options);
  }

  onDone = (id) => {
    this.#log(`done ${id}`);
  };
}

class Internal {
  run() {
    return double(21);
  }
}

export const first = 1,
  second = () => first + 1;

export { Internal as Hidden };
export { joinAll } from "./join.js";
export * from "./errors.js";

/** Persist the queue to disk. */
export default async function save(queue, file) {
  const data = JSON.stringify([...drain(queue)]);
  await fsp.writeFile(path.join(".", file), data);
  fs.existsSync(file);
}
