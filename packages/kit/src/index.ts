export * from './errors.js';
export * from './clock.js';
export * from './real-clock.js';
export * from './manual-clock.js';
export * from './random.js';
export * from './real-random.js';
export * from './crc32.js';
export * from './crc64.js';
export { bytesEqual, copyBytes, fromHex, fromUtf8, hex, hexByte, utf8 } from './bytes.js';
export * from './logger.js';
export * from './metrics.js';
export * from './deferred.js';
export * from './timeout.js';
export * from './async-queue.js';
export * from './msgpack/index.js';
export * from './fs.js';
/** kit's FileSystem on the real disk, over node:fs/promises, rooted at a directory. */
export { NodeFileSystem } from './real-fs.js';
export type { NodeFileSystemOptions } from './real-fs.js';
