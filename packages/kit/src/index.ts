export * from './errors.js';
export * from './clock.js';
export * from './real-clock.js';
export * from './random.js';
export * from './real-random.js';
export * from './crc32.js';
