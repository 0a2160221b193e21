// shoal's FileSnapshotStore against Go raft's (1.1.2, Debian package) on the
// same real directory: a snapshot Go writes opens in shoal with the same
// metadata, configuration and bytes (and shoal, at the same millisecond, writes
// the very same files), and a snapshot shoal writes opens in Go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManualClock, NodeFileSystem, seededRandom } from '@shoal/kit';
import type { Configuration, SnapshotMeta } from '@shoal/raft';
import { FileSnapshotStore, InmemNetwork, ServerSuffrage } from '@shoal/raft';
import { Simulation } from '@shoal/sim';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';

const run = promisify(execFile);
const SEED = Number(process.env['SHOAL_SEED'] ?? 1302);
const RAFT_SOURCES = '/usr/share/gocode/src/github.com/hashicorp/raft';

/** As goMissingReason, for the raft sources too: in CI their absence fails the run. */
function raftMissingReason(): string | undefined {
  const goMissing = goMissingReason();
  if (goMissing !== undefined || existsSync(RAFT_SOURCES)) return goMissing;
  const reason = 'golang-github-hashicorp-raft-dev not installed (run scripts/setup.sh)';
  if (process.env.CI) throw new Error(`interop: ${reason}`);
  return reason;
}

const missing = raftMissingReason();

/** The configuration interop/raft-snapshot/main.go writes. */
const GO_CONFIGURATION: Configuration = {
  servers: [
    { suffrage: ServerSuffrage.Voter, id: 'n1', address: '127.0.0.1:7000' },
    { suffrage: ServerSuffrage.Nonvoter, id: 'n2', address: '127.0.0.1:7001' },
    { suffrage: ServerSuffrage.Staging, id: 'n<3>&', address: '[::1]:7002' },
  ],
};

interface GoRead {
  ids: string[];
  meta: { Version: number; ID: string; Index: number; Term: number; Peers: string | null; Configuration: { Servers: { Suffrage: number; ID: string; Address: string }[] | null }; ConfigurationIndex: number; Size: number };
  state: string | null;
}

async function goSnapshot(...args: string[]): Promise<unknown> {
  const binary = await buildGoProgram('raft-snapshot', 'raft-snapshot');
  const { stdout } = await run(binary, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as unknown;
}

/** State bytes of a few chunks and a ragged end, different per seed. */
function stateBytes(seed: number, length: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length }, () => random.int(256));
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

function transport(): ReturnType<InmemNetwork['add']> {
  return new InmemNetwork(new Simulation({ seed: 1 })).add('127.0.0.1:7000');
}

async function withTempDirs(fn: (a: string, b: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'shoal-snapshot-interop-'));
  try {
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    await mkdir(a);
    await mkdir(b);
    await fn(a, b);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const title = (name: string): string => (missing ? `${name} (skipped: ${missing})` : `${name} (seed ${SEED})`);

test(title('Go writes a snapshot, shoal opens it; shoal at the same millisecond writes the same files'), { skip: missing !== undefined, timeout: 300_000 }, async () => {
  await withTempDirs(async (goDir, shoalDir) => {
    const state = stateBytes(SEED, 700_001);
    const dataFile = `${goDir}.data`;
    await writeFile(dataFile, state);
    const { id } = (await goSnapshot('write', goDir, '5', '77', dataFile)) as { id: string };
    assert.match(id, /^5-77-\d+$/);

    const store = await FileSnapshotStore.open(new NodeFileSystem(goDir), '', { clock: new ManualClock(), chunkBytes: 64 * 1024 });
    const listed = await store.list();
    assert.deepEqual(listed.map((m) => m.id), [id]);
    const opened = await store.open(id);
    const expected: SnapshotMeta = {
      version: 1,
      id,
      index: 77,
      term: 5,
      peers: listed[0]!.peers,
      configuration: GO_CONFIGURATION,
      configurationIndex: 1,
      size: state.length,
    };
    assert.deepEqual(opened.meta, expected);
    assert.deepEqual(await readAll(opened.source), state, 'state bytes equal');

    // Same snapshot from shoal, its clock at Go's millisecond: the files are identical.
    const goMillis = Number(id.split('-')[2]);
    const shoal = await FileSnapshotStore.open(new NodeFileSystem(shoalDir), '', { clock: new ManualClock(0, goMillis), chunkBytes: 64 * 1024 });
    const sink = await shoal.create(1, 77, 5, GO_CONFIGURATION, 1, transport());
    for (let at = 0; at < state.length; at += 10_007) await sink.write(state.subarray(at, at + 10_007));
    await sink.close();
    assert.equal(sink.id, id);
    for (const file of ['meta.json', 'state.bin']) {
      assert.deepEqual(await readFile(join(shoalDir, 'snapshots', id, file)), await readFile(join(goDir, 'snapshots', id, file)), `${file} byte for byte`);
    }
  });
});

test(title('shoal writes snapshots, Go lists and opens the newest'), { skip: missing !== undefined, timeout: 300_000 }, async () => {
  await withTempDirs(async (dir) => {
    const clock = new ManualClock();
    const store = await FileSnapshotStore.open(new NodeFileSystem(dir), '', { clock, retain: 2 });
    let newest: Uint8Array = new Uint8Array();
    let newestId = '';
    for (const [term, index, length] of [[2, 10, 1000], [4, 300, 1_000_003], [3, 900, 5]] as const) {
      clock.advance(1);
      const state = stateBytes(SEED + index, length);
      const sink = await store.create(1, index, term, GO_CONFIGURATION, 9, transport());
      for (let at = 0; at < state.length; at += 65_536) await sink.write(state.subarray(at, at + 65_536));
      await sink.close();
      if (term === 4) [newest, newestId] = [state, sink.id];
    }
    const read = (await goSnapshot('read', dir)) as GoRead;
    assert.deepEqual(read.ids, (await store.list()).map((m) => m.id), 'Go lists what shoal lists, newest first');
    assert.equal(read.ids.length, 2);
    assert.deepEqual(read.meta, {
      Version: 1,
      ID: newestId,
      Index: 300,
      Term: 4,
      Peers: Buffer.from((await store.open(newestId)).meta.peers).toString('base64'),
      Configuration: { Servers: GO_CONFIGURATION.servers.map((s) => ({ Suffrage: s.suffrage, ID: s.id, Address: s.address })) },
      ConfigurationIndex: 9,
      Size: newest.length,
    });
    assert.equal(read.meta.Peers, 'ka4xMjcuMC4wLjE6NzAwMA==', 'legacy peers: the one voter, as Go encodes it');
    assert.deepEqual(Buffer.from(read.state ?? '', 'base64'), Buffer.from(newest), 'Go verified the CRC and read the same bytes');
  });
});
