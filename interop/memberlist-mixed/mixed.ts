// Scaffolding of the mixed Go/shoal memberlist suite (UDP + TCP): the
// generic parts are in ../harness/scenario.ts; this file adds the Go program
// this suite needs, built before any scenario's clock starts.
import { before } from 'node:test';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { scenarioTest } from '../harness/scenario.js';

export { DETECT_MS, newKey, noiseText, sendUntilSeen, WAIT_MS } from '../harness/scenario.js';

const missing = goMissingReason();

// A cold build of the Go program takes 15-60 s; do it before any scenario's clock starts.
if (missing === undefined) before(() => buildGoProgram('memberlist-node', 'memberlist-node'), { timeout: 300_000 });

export const interopTest = scenarioTest(missing);
