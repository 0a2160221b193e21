// Test helpers for kit's interfaces: not shipped from the main entry point.
export { fileSystemContract } from './fs-contract.js';
export type { FileSystemUnderTest } from './fs-contract.js';
export { waitFor } from './wait-for.js';
