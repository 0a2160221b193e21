// Test support for the agent's cluster layer, not shipped: a small store and
// HTTP API standing in for the real ones. Other packages' tests (the CLI's)
// reach it by path.
export { TestStore, UnsupportedCommandError } from './test-store.js';
export { startTestHttp, TEST_KV_PREFIX } from './real-test-http.js';
