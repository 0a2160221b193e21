export * from './errors.js';
export * from './event-queue.js';
export * from './trace.js';
export * from './timer.js';
export * from './simulation.js';
export { promiseHooksAvailable } from './microtasks.js';
