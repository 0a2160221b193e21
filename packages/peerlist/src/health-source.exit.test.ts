// HealthServiceSource.stop() against a real HTTP server and the real fetch and
// clock, in a child process: stop must abort a blocking query that would wait
// ten minutes and cancel a ten-minute backoff timer, so that the child, which closes its
// server and then just returns, exits on its own. A leaked socket or timer
// keeps the child alive, and the parent fails after a bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sourceUrl = new URL('./health-source.ts', import.meta.url).href;
const kitUrl = new URL('../../kit/src/index.ts', import.meta.url).href;

// Plain JavaScript, run by `node --import tsx --input-type=module`.
const child = `
import { createServer } from 'node:http';
import { RealClock } from ${JSON.stringify(kitUrl)};
import { HealthServiceSource } from ${JSON.stringify(sourceUrl)};

const clock = new RealClock(); // referenced timers: a leaked one keeps the process alive
const list = { update() {} };
const held = []; // requests never answered
let mode = 'block';
const server = createServer((req, res) => {
  if (mode === 'fail') {
    res.statusCode = 500;
    res.end('down');
    return;
  }
  if (req.url.includes('index=')) {
    held.push(req);
    return;
  }
  res.setHeader('X-Consul-Index', '5');
  res.end(JSON.stringify([{ Node: { Node: 'n', Address: '127.0.0.1' }, Service: { ID: 'web-1', Address: '127.0.0.1', Port: 9 } }]));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const agent = 'http://127.0.0.1:' + server.address().port;
const until = async (cond) => { while (!cond()) await new Promise((r) => setImmediate(r)); };

// 1. Stopped while a ten-minute blocking query is in flight.
const blocking = new HealthServiceSource({ agent, service: 'web', list, fetch, clock, waitMs: 600_000 });
blocking.start();
await until(() => held.length === 1);
const closed = new Promise((resolve) => held[0].socket.once('close', resolve));
let t0 = performance.now();
await blocking.stop();
const blockingStopMs = performance.now() - t0;
await closed; // the query's connection is gone

// 2. Stopped during a ten-minute backoff after a failed request.
mode = 'fail';
const failures = [];
const backingOff = new HealthServiceSource({ agent, service: 'web', list, fetch, clock, minBackoffMs: 600_000, maxBackoffMs: 600_000, onError: (e) => failures.push(e) });
backingOff.start();
await until(() => failures.length === 1);
t0 = performance.now();
await backingOff.stop();
const backoffStopMs = performance.now() - t0;

server.close();
console.log(JSON.stringify({ blockingStopMs, backoffStopMs, answers: blocking.stats.answers, errors: backingOff.stats.errors }));
`;

test('stop() ends a ten-minute blocking query and a ten-minute backoff at once and leaves nothing that keeps the process alive', { timeout: 60_000 }, async (t) => {
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '--eval', child], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const boundMs = 30_000; // tsx startup under load takes seconds; a leaked timer or query holds the child 10 min
  const exit = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
    const timer = setTimeout(() => resolve({ code: null, timedOut: true }), boundMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut: false });
    });
  });
  assert.equal(exit.timedOut, false, `the child did not exit within ${boundMs} ms: a socket or timer was left open. stdout: ${stdout} stderr: ${stderr}`);
  assert.equal(exit.code, 0, `child failed: ${stderr}`);
  const result = JSON.parse(stdout.trim()) as { blockingStopMs: number; backoffStopMs: number; answers: number; errors: number };
  assert.equal(result.answers, 1, 'the first query was answered, the blocking one was held');
  assert.equal(result.errors, 1);
  assert.ok(result.blockingStopMs < 5_000, `stop during a blocking query took ${result.blockingStopMs} ms`);
  assert.ok(result.backoffStopMs < 5_000, `stop during a backoff took ${result.backoffStopMs} ms`);
});
