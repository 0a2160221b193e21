export type * from './types.js';
export * from './errors.js';
export { createQuicheEngine, CID_LEN } from './real-quiche-engine.js';
