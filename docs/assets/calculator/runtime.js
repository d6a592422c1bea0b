// One Python per page for any page that runs paramcount: a Web Worker (worker.js) called with a
// time limit. The page's own thread never runs Python, so it stays responsive whatever is counted.
//
//   import { python, TooLong } from "../calculator/runtime.js";   // path relative to your script
//   const answer = JSON.parse(await python().call("calculate", ["LSTM(10)", "(None, 1)"]));
//
// python() starts the worker on its first use and returns the same one afterwards (also across
// Material's instant page changes). call(name, args) runs paramcount.web.<name>(...args) in it and
// resolves to the string that function returns; calls run one at a time, in order. A call that
// takes longer than its limit (LIMIT_MS by default, counted from when the worker starts it, not
// while Python is still starting) rejects with TooLong, and the worker is replaced by a fresh one,
// since Python cannot be interrupted; a worker that breaks (runs out of memory) is replaced too.

export const LIMIT_MS = 5000;

const WORKER_URL = new URL("worker.js", import.meta.url);

/** A count that was stopped because it took longer than its time limit. */
export class TooLong extends Error {
  constructor(seconds) {
    super(`stopped after ${seconds} s`);
    this.name = "TooLong";
    this.seconds = seconds;
  }
}

class PythonWorker {
  #worker;
  #pending = null; // {id, resolve, reject, timer} of the call the worker is running
  #queue = Promise.resolve();
  #lastId = 0;

  constructor() {
    this.#start();
  }

  /** Resolves once Python and paramcount are loaded (again, after a replacement). */
  ready;

  call(name, args = [], { limitMs = LIMIT_MS } = {}) {
    const run = this.#queue.then(() => this.#run(name, args, limitMs));
    this.#queue = run.catch(() => {});
    return run;
  }

  #start() {
    const worker = new Worker(WORKER_URL, { type: "module" });
    this.#worker = worker;
    let started = false;
    this.ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.ready) {
          started = true;
          resolve();
        } else if (data.failed !== undefined) reject(new Error(data.failed));
        else this.#answer(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error(event.message || "Python stopped in this browser");
        reject(error);
        // A worker that never started would fail the same way again: replace only one that ran.
        if (started) this.#fail(error, worker);
      };
    });
    this.ready.catch(() => {}); // reported to each call instead
  }

  async #run(name, args, limitMs) {
    await this.ready;
    return new Promise((resolve, reject) => {
      const id = ++this.#lastId;
      const timer = setTimeout(() => this.#fail(new TooLong(limitMs / 1000), this.#worker), limitMs);
      this.#pending = { id, resolve, reject, timer };
      this.#worker.postMessage({ id, call: name, args });
    });
  }

  #answer({ id, value, error, broken }) {
    const pending = this.#pending;
    if (!pending || pending.id !== id) return;
    this.#pending = null;
    clearTimeout(pending.timer);
    if (error === undefined) pending.resolve(value);
    else {
      pending.reject(new Error(error));
      if (broken) this.#replace();
    }
  }

  /** The worker cannot answer (too slow, or gone): reject its call and start a fresh one. */
  #fail(error, worker) {
    if (worker !== this.#worker) return;
    const pending = this.#pending;
    this.#pending = null;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#replace();
  }

  #replace() {
    this.#worker.terminate();
    this.#start();
  }
}

let shared = null;

/** The page's Python worker, started on first use. */
export function python() {
  shared ??= new PythonWorker();
  return shared;
}
