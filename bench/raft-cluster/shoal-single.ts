// The shoal side of bench/raft-cluster's "single" layout: three `shoal raft`
// servers (NetworkTransport on loopback TCP, the WAL and file stable store
// with fsync on, file snapshots) in this one process. It bootstraps them on
// the ports given, waits for a leader, prints {"event":"ready","leader":ID},
// then answers `bench` requests on stdin (JSON lines, the protocol of
// interop/raft-node) by applying on the leader, as
// interop/raft-cluster-bench does for Go.
//   node --conditions=source --import tsx bench/raft-cluster/shoal-single.ts --dir DIR --ports P1,P2,P3 [--parallel-append]
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ServerSuffrage, type Server } from '@shoal/raft';
import { benchOp } from '../../packages/cli/src/commands/raft-bench-op.js';
import { startRaftServer } from '../../packages/cli/src/commands/raft.js';
import type { RaftServer } from '../../packages/cli/src/commands/raft-protocol.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, ports: { type: 'string' }, 'parallel-append': { type: 'boolean', default: false } } });
const ports = (values.ports ?? '').split(',').map(Number);
if (!values.dir || ports.length !== 3 || !ports.every((p) => Number.isInteger(p) && p > 0)) {
  console.error('usage: shoal-single.ts --dir DIR --ports P1,P2,P3');
  process.exit(2);
}
const dir = values.dir;

const voters: Server[] = ports.map((port, i) => ({ id: `s${i + 1}`, address: `127.0.0.1:${port}`, suffrage: ServerSuffrage.Voter }));
const io = { out: (t: string) => void process.stdout.write(t), err: (t: string) => void process.stderr.write(t), signal: new AbortController().signal };
const servers: RaftServer[] = await Promise.all(
  voters.map((v) => startRaftServer({ id: v.id, bind: v.address, dir: join(dir, v.id), bootstrap: voters, wire: '1.1', applyTimeoutMs: 10_000, parallelAppend: values['parallel-append'] }, io)),
);

async function leader(timeoutMs: number): Promise<RaftServer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = servers.find((s) => s.raft.state === 'Leader');
    if (found) return found;
    if (Date.now() > deadline) throw new Error('no leader');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const emit = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
emit({ event: 'ready', leader: voters[servers.indexOf(await leader(30_000))]!.id });

// One request at a time: a bench owns the cluster while it runs.
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  if (line.trim() === '') continue;
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    emit({ req: null, ok: false, error: `bad request: ${(error as Error).message}` });
    continue;
  }
  let reply: Record<string, unknown>;
  try {
    reply = fields.op === 'bench' ? { ...(await benchOp((await leader(10_000)).raft, fields)) } : { ok: false, error: `unknown op ${JSON.stringify(fields.op)}` };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  emit({ req: fields.req ?? null, ...reply });
}
await Promise.all(servers.map((s) => s.shutdown()));
