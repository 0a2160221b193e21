/**
 * Knowing when promise continuations may be pending, so the async run loop
 * yields to them only when it must.
 *
 * An event callback that resolves a promise, or awaits an already-settled one,
 * queues microtasks; they must run before virtual time moves on, or awaiting
 * code observes a later time than the one it resumed at. A macrotask turn
 * (setImmediate) drains the whole microtask queue, but costs ~1 µs. So the run
 * loop drains only when V8's promise hooks saw a promise being created or
 * settled since the last drain: callback-only events (the hot packet path)
 * then run back to back at full speed.
 *
 * Blind spots of the hooks: `queueMicrotask` and `process.nextTick` callbacks
 * are not promises. Code driven by the simulator should use promises, or the
 * simulation should be created with `asyncDetection: 'always'`.
 */
import { promiseHooks } from 'node:v8';

let activity = 0;
let users = 0;
let stopHooks: (() => void) | undefined;

const bump = (): void => {
  activity++;
};

/** Whether this runtime offers V8 promise hooks (Node.js >= 16.14). */
export const promiseHooksAvailable: boolean =
  typeof promiseHooks === 'object' && typeof promiseHooks.onInit === 'function' && typeof promiseHooks.onSettled === 'function';

/** A counter that moves whenever any promise is created or settled (while at least one user holds the hooks). */
export function promiseActivity(): number {
  return activity;
}

/** Installs the hooks for one more user; returns the matching release. */
export function holdPromiseHooks(): () => void {
  if (!promiseHooksAvailable) return () => {};
  if (users++ === 0) {
    const stopInit = promiseHooks.onInit(bump);
    const stopSettled = promiseHooks.onSettled(bump);
    stopHooks = () => {
      stopInit();
      stopSettled();
    };
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) {
      stopHooks?.();
      stopHooks = undefined;
    }
  };
}
