// `npm start`: builds everything, then runs a local three-server agent
// cluster (`shoal agent --server --bootstrap-expect 3`, on loopback, data in a
// temporary directory) and prints the dashboard's URL, a curl line and a
// Consul-client line; it runs until Ctrl-C. The membership demo is `shoal
// demo`. It says that it is building first: the first build takes a minute
// or more, and a silent terminal looks like a hang.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
const SHOAL = new URL('../packages/cli/bin/shoal.js', import.meta.url).pathname;
const NAMES = ['s1', 's2', 's3'];
/** Consul's ports for the first server (HTTP 8500, raft 8300, gossip 8301), then +10 each; free ones when these are taken. */
const PREFERRED = NAMES.map((_, i) => ({ http: 8500 + i, raft: 8300 + 10 * i, gossip: 8301 + 10 * i }));

// Ctrl-C goes to the whole foreground group: the agents get it too, and stop; we wait for them.
let stopping = false;
process.on('SIGINT', () => {
  stopping = true;
  for (const a of agents) a.child.kill('SIGINT');
});
process.on('SIGTERM', () => {
  stopping = true;
  for (const a of agents) a.child.kill('SIGTERM');
});

process.stderr.write('shoal: building the packages (tsc -b; the first build takes a minute or two)...\n');
const build = spawnSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`shoal: the build failed (exit ${build.status ?? build.signal}); see the errors above\n`);
  process.exit(1);
}

const free = (port) =>
  new Promise((resolve) => {
    const tcp = createServer();
    tcp.once('error', () => resolve(false));
    tcp.listen(port, '127.0.0.1', () =>
      tcp.close(() => {
        const udp = createSocket('udp4');
        udp.once('error', () => (udp.close(), resolve(false)));
        udp.bind(port, '127.0.0.1', () => udp.close(() => resolve(true)));
      }),
    );
  });

const anyFree = async (taken) => {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (!taken.has(port) && (await free(port))) return port;
  }
};

const taken = new Set();
const ports = [];
for (const want of PREFERRED) {
  const got = {};
  for (const kind of ['http', 'raft', 'gossip']) {
    got[kind] = !taken.has(want[kind]) && (await free(want[kind])) ? want[kind] : await anyFree(taken);
    taken.add(got[kind]);
  }
  ports.push(got);
}

const dataRoot = mkdtempSync(join(tmpdir(), 'shoal-start-'));
const agents = [];
process.on('exit', () => {
  for (const a of agents) a.child.kill('SIGKILL');
  rmSync(dataRoot, { recursive: true, force: true });
});

process.stderr.write(`shoal: built; starting three agent servers (data in ${dataRoot}; Ctrl-C stops them)\n`);
/** Starts agent `i`; resolves once it says it is ready. */
const start = (name, i) => {
  const p = ports[i];
  const args = [SHOAL, 'agent', '--name', name, '--data-dir', join(dataRoot, name), '--server', '--bootstrap-expect', '3', '--raft-bind', `127.0.0.1:${p.raft}`, '--bind', `127.0.0.1:${p.gossip}`, '--http', `127.0.0.1:${p.http}`, '--profile', 'local', '--log-level', 'warn'];
  if (i > 0) args.push('--join', `127.0.0.1:${ports[0].gossip}`);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const agent = { name, child, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))) };
  agents.push(agent);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        if (JSON.parse(line).event === 'ready') resolve();
      } catch {
        // not an event line
      }
    });
    void agent.exited.then((code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
};

try {
  // The first, then the others joining it.
  await start(NAMES[0], 0);
  await Promise.all(NAMES.slice(1).map((name, i) => start(name, i + 1)));
} catch (error) {
  if (!stopping) process.stderr.write(`shoal: ${error.message}\n`);
  for (const a of agents) a.child.kill('SIGKILL');
  process.exit(stopping ? 130 : 1);
}

const http = `127.0.0.1:${ports[0].http}`;
// Ready is before the election: wait (at most 30 s) for a leader, so the lines below work as soon as they show.
for (let t = 0; t < 60 && !stopping; t++) {
  const leader = await fetch(`http://${http}/v1/status/leader`).then((r) => r.json(), () => '');
  if (leader !== '') break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
process.stdout.write(
  [
    '',
    `shoal: three agent servers are up. Dashboard: http://${http}/ui/`,
    '',
    `  curl -X PUT -d world http://${http}/v1/kv/hello && curl http://${http}/v1/kv/hello?raw`,
    `  node -e "const Consul = require('consul'); new Consul({ port: ${ports[0].http} }).kv.get('hello').then(console.log)"`,
    '',
    `  HTTP APIs: ${ports.map((p) => `127.0.0.1:${p.http}`).join(', ')}. The membership demo is \`node packages/cli/bin/shoal.js demo\`. Ctrl-C stops the cluster.`,
    '',
  ].join('\n'),
);

const codes = await Promise.all(agents.map((a) => a.exited));
process.exit(stopping ? 130 : Math.max(...codes) || 1);
