export * from './wire/index.js';
export {};
