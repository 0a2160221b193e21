// Soak: `shoal agent` servers under SIGKILL (issue 16 item 3). Three server
// processes on loopback, each on its own data directory; six clients do
// get/put/cas through the HTTP API (each request to a random server, reads
// linearizable, never ?stale) while a nemesis SIGKILLs a server every few
// seconds (the leader with --leader-chance, else any) and restarts it on the
// same directory and ports. Afterwards every key is read once more and the
// history is checked by `shoal lincheck` and for acknowledged writes the
// final values do not account for; every server must have rejoined. Prints one JSON object; exits 1 unless
// linearizable, with no acknowledged write missing, no agent dying by itself
// and no answer the API does not allow.
// Stops by itself after --duration-s (plus start-up, healing and the check).
//
//   node --conditions=source --import tsx bench/agent-crash-soak.ts [--duration-s 120] [--clients 6] [--keys 4]
//        [--leader-chance 0.75] [--history FILE] [--built]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runAgentCrash } from '../packages/cli/src/testing/agent-crash-run.js';

const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '120' },
    clients: { type: 'string', default: '6' },
    keys: { type: 'string', default: '4' },
    'client-agents': { type: 'string', default: '1' },
    'leader-chance': { type: 'string', default: '0.75' },
    history: { type: 'string' },
    built: { type: 'boolean', default: false },
  },
});
const durationMs = Math.max(1, Number(values['duration-s'])) * 1000;
const started = performance.now();
const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100);
const report = await runAgentCrash({
  durationMs,
  clients: Number(values.clients),
  keys: Number(values.keys),
  clientAgents: Number(values['client-agents']),
  leaderChance: Number(values['leader-chance']),
  lincheckTimeoutMs: 300_000,
  ...(values.history !== undefined ? { historyFile: values.history } : {}),
  built: values.built,
});
const { nemesisLog, missing, ...figures } = report;
console.log(
  JSON.stringify({
    bench: 'agent-crash-soak',
    ...figures,
    wallMs: Math.round(performance.now() - started),
    load: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 100) / 100) },
    missing,
    nemesisLog,
  }),
);
process.exit(report.linearizable && report.ackedWritesMissing === 0 && report.unexpectedExits === 0 && report.rejoined.ok && report.apiErrors.length === 0 ? 0 : 1);
