// FileSnapshotStore on the simulated disk: Go's layout and meta.json bytes,
// retention, streaming, crashes and faults at every step of a write, and
// corrupt snapshots that must be refused with a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiskOp, SimDiskOptions } from '@shoal/sim';
import { SimDisk, Simulation } from '@shoal/sim';
import type { FsErrorCode, LogEntry } from '@shoal/kit';
import { createLogger, fromUtf8, ManualClock, utf8 } from '@shoal/kit';
import { ServerSuffrage } from '../configuration.js';
import type { Configuration } from '../configuration.js';
import { SnapshotError } from '../errors.js';
import { InmemNetwork } from '../transport/inmem-transport.js';
import { FileSnapshotStore } from './file-snapshot.js';
import { readAll } from './snapshot.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 7031);
const CONFIG: Configuration = { servers: [{ id: 'n1', address: '127.0.0.1:7000', suffrage: ServerSuffrage.Voter }] };

interface Rig {
  sim: Simulation;
  disk: SimDisk;
  clock: ManualClock;
  transport: ReturnType<InmemNetwork['add']>;
  logs: LogEntry[];
  /** Set to make disk operations fail. */
  fault: { fn?: (op: DiskOp, path: string) => FsErrorCode | undefined };
  open(options?: { retain?: number; chunkBytes?: number }): Promise<FileSnapshotStore>;
}

function rig(seed: number, disk: Omit<SimDiskOptions, 'fault'> = {}): Rig {
  const sim = new Simulation({ seed });
  const fault: Rig['fault'] = {};
  const d = new SimDisk(sim, { ...disk, fault: (op, path) => fault.fn?.(op, path) });
  const clock = new ManualClock(0, 1_795_320_959_906);
  const logs: LogEntry[] = [];
  const logger = createLogger((entry) => logs.push(entry), 'debug');
  const transport = new InmemNetwork(new Simulation({ seed: 1 })).add('127.0.0.1:7000');
  return { sim, disk: d, clock, transport, logs, fault, open: (o = {}) => FileSnapshotStore.open(d.fileSystem(), 'raft', { clock, logger, ...o }) };
}

async function writeSnapshot(r: Rig, store: FileSnapshotStore, term: number, index: number, state: Uint8Array | string): Promise<string> {
  const sink = await store.create(1, index, term, CONFIG, 1, r.transport);
  await sink.write(typeof state === 'string' ? utf8(state) : state);
  await sink.close();
  return sink.id;
}

async function readState(store: FileSnapshotStore, id: string): Promise<string> {
  return fromUtf8(await readAll((await store.open(id)).source));
}

test("layout and meta.json bytes are Go's (spec §4.14's example, byte for byte)", async () => {
  const r = rig(SEED);
  const store = await r.open();
  const id = await writeSnapshot(r, store, 3, 42, 'hello');
  assert.equal(id, '3-42-1795320959906', 'term-index-unixMillis from the injected clock');
  const fs = r.disk.fileSystem();
  assert.deepEqual(await fs.list('raft'), ['snapshots']);
  assert.deepEqual(await fs.list('raft/snapshots'), [id], 'no permTest or .tmp left behind');
  assert.deepEqual(await fs.list(`raft/snapshots/${id}`), ['meta.json', 'state.bin']);
  assert.equal(fromUtf8(await fs.readFile(`raft/snapshots/${id}/state.bin`)), 'hello');
  assert.equal(
    fromUtf8(await fs.readFile(`raft/snapshots/${id}/meta.json`)),
    '{"Version":1,"ID":"3-42-1795320959906","Index":42,"Term":3,"Peers":"ka4xMjcuMC4wLjE6NzAwMA==",' +
      '"Configuration":{"Servers":[{"Suffrage":0,"ID":"n1","Address":"127.0.0.1:7000"}]},' +
      '"ConfigurationIndex":1,"Size":5,"CRC":"mx7a5du5N7E="}\n',
  );
  const opened = await store.open(id);
  assert.deepEqual(opened.meta.configuration, CONFIG);
  assert.equal(opened.meta.size, 5);
  assert.equal(fromUtf8(await readAll(opened.source)), 'hello');
});

test('a snapshot directory as Go wrote it opens, and the same millisecond gives a fresh name', async () => {
  const r = rig(SEED);
  const fs = r.disk.fileSystem();
  const dir = 'raft/snapshots/3-42-1795320959906';
  await fs.mkdir('raft/snapshots', { recursive: true });
  await fs.mkdir(dir);
  await fs.writeFile(`${dir}/state.bin`, utf8('hello'));
  // Go's json.Encoder output as found on a real server's disk.
  await fs.writeFile(
    `${dir}/meta.json`,
    utf8('{"Version":1,"ID":"3-42-1795320959906","Index":42,"Term":3,"Peers":"ka4xMjcuMC4wLjE6NzAwMA==","Configuration":{"Servers":[{"Suffrage":0,"ID":"n1","Address":"127.0.0.1:7000"}]},"ConfigurationIndex":1,"Size":5,"CRC":"mx7a5du5N7E="}\n'),
  );
  const store = await r.open();
  const [meta] = await store.list();
  assert.equal(meta?.id, '3-42-1795320959906');
  assert.deepEqual(meta?.configuration, CONFIG);
  assert.equal(await readState(store, meta.id), 'hello');
  const again = await writeSnapshot(r, store, 3, 42, 'hello again');
  assert.equal(again, '3-42-1795320959907');
  assert.deepEqual((await store.list()).map((m) => m.id), [again, meta.id], 'equal term and index: the later ID sorts first');
});

test('list is newest first (term, index, ID) and at most retain; close reaps the rest', async () => {
  const r = rig(SEED);
  const store = await r.open({ retain: 3 });
  const written: [number, number][] = [[1, 10], [2, 5], [1, 30], [2, 7], [3, 1], [1, 20]];
  for (const [term, index] of written) {
    r.clock.advance(1);
    await writeSnapshot(r, store, term, index, `state-${term}-${index}`);
  }
  const listed = await store.list();
  assert.deepEqual(listed.map((m) => [m.term, m.index]), [[3, 1], [2, 7], [2, 5]]);
  assert.deepEqual(await r.disk.fileSystem().list('raft/snapshots'), listed.map((m) => m.id).sort(), 'older snapshots are gone from disk');
  for (const m of listed) assert.equal(await readState(store, m.id), `state-${m.term}-${m.index}`);
  await assert.rejects(r.open({ retain: 0 }), RangeError);
  await assert.rejects(store.create(0, 1, 1, CONFIG, 1, r.transport), SnapshotError, 'Go writes only version 1');
});

test('state is streamed: buffered appends on write, chunked reads on open, never readFile', async () => {
  const r = rig(SEED);
  const ops: Record<string, number> = {};
  r.fault.fn = (op, path) => {
    if (path.endsWith('state.bin')) ops[op] = (ops[op] ?? 0) + 1;
    return undefined;
  };
  const store = await r.open({ chunkBytes: 64 * 1024 });
  const sink = await store.create(1, 9, 2, CONFIG, 1, r.transport);
  const piece = new Uint8Array(1000);
  const total = 8 * 1024 * 1024;
  for (let i = 0; i * 1000 < total; i++) {
    piece.fill(i & 0xff);
    await sink.write(piece.subarray(0, Math.min(1000, total - i * 1000)));
  }
  await sink.close();
  assert.ok(ops['append']! >= 128 && ops['append']! <= 130, `about total/64 KiB appends, not one per write: ${ops['append']}`);
  const opened = await store.open(sink.id);
  let size = 0;
  let chunks = 0;
  for await (const chunk of opened.source) {
    assert.ok(chunk.length <= 64 * 1024);
    for (let at = 0; at < chunk.length; at += 997) assert.equal(chunk[at], Math.floor((size + at) / 1000) & 0xff, `byte ${size + at}`);
    size += chunk.length;
    chunks++;
  }
  assert.equal(size, total);
  assert.equal(chunks, total / (64 * 1024));
  assert.equal(ops['readFile'] ?? 0, 0, 'state.bin is never read whole');
});

test('a crash while a snapshot is written leaves the previous ones intact and no .tmp (many seeds)', async () => {
  for (let seed = SEED; seed < SEED + 30; seed++) {
    const r = rig(seed, { crashKeeps: 'random-prefix', tornWriteProbability: 0.5 });
    const store = await r.open();
    const kept = [await writeSnapshot(r, store, 1, 10, 'first'), ''];
    r.clock.advance(5);
    kept[1] = await writeSnapshot(r, store, 1, 20, 'second');
    const partial = await store.create(1, 30, 2, CONFIG, 1, r.transport);
    await partial.write(new Uint8Array(300_000).fill(seed & 0xff));
    assert.deepEqual((await store.list()).map((m) => m.id), [kept[1], kept[0]], `seed ${seed}: an open sink is not listed`);
    r.disk.crash();
    const after = await r.open();
    assert.deepEqual((await after.list()).map((m) => m.id), [kept[1], kept[0]], `seed ${seed}`);
    assert.equal(await readState(after, kept[0]!), 'first', `seed ${seed}`);
    assert.equal(await readState(after, kept[1]!), 'second', `seed ${seed}`);
    assert.ok(!(await r.disk.fileSystem().list('raft/snapshots')).some((n) => n.endsWith('.tmp')), `seed ${seed}: .tmp cleaned up at open`);
  }
});

for (const dirDurability of ['explicit', 'immediate'] as const) {
  test(`a failure at any disk operation of a write is never acknowledged, and a crash after it loses nothing (names durable: ${dirDurability})`, async () => {
    let step = 0;
    for (let failAt = 1; ; failAt++) {
      const r = rig(SEED + failAt, { crashKeeps: 'random-prefix', dirDurability });
      const store = await r.open();
      const previous = await writeSnapshot(r, store, 1, 10, 'previous');
      r.clock.advance(1);
      step = 0;
      r.fault.fn = (op) => (op !== 'stat' && op !== 'list' && ++step === failAt ? 'EIO' : undefined);
      let acknowledged = false;
      try {
        await writeSnapshot(r, store, 2, 20, 'next');
        acknowledged = true;
      } catch (err) {
        assert.ok(err instanceof SnapshotError, `failAt ${failAt}: ${String(err)}`);
      }
      r.fault.fn = undefined;
      r.disk.crash();
      const after = await r.open();
      const ids = (await after.list()).map((m) => m.index);
      assert.equal(await readState(after, previous), 'previous', `failAt ${failAt}`);
      if (acknowledged) assert.deepEqual(ids, [20, 10], `failAt ${failAt}: an acknowledged snapshot survives`);
      else assert.deepEqual(ids, [10], `failAt ${failAt}: a failed snapshot is not offered`);
      if (step < failAt) break; // the write finished before reaching the fault: every step has been tried
    }
    assert.ok(step >= 8, `the write took ${step} disk operations`);
  });
}

test('corrupt snapshots: a typed SnapshotError on open, skipped and logged by list', async () => {
  const r = rig(SEED);
  const store = await r.open({ retain: 5 });
  const fs = r.disk.fileSystem();
  const good = await writeSnapshot(r, store, 1, 1, 'good');
  const ids: string[] = [];
  for (let i = 2; i <= 5; i++) ids.push(await writeSnapshot(r, store, 1, i, `state ${i}`));
  const [flipped, truncated, badJson, wrongId] = ids as [string, string, string, string];
  const state = await fs.readFile(`raft/snapshots/${flipped}/state.bin`);
  state[3] = state[3]! ^ 0x40;
  await fs.writeFile(`raft/snapshots/${flipped}/state.bin`, state);
  await fs.writeFile(`raft/snapshots/${truncated}/state.bin`, utf8('sta'));
  await fs.writeFile(`raft/snapshots/${badJson}/meta.json`, utf8('{"Version":1,"ID":'));
  const meta = fromUtf8(await fs.readFile(`raft/snapshots/${wrongId}/meta.json`));
  await fs.writeFile(`raft/snapshots/${wrongId}/meta.json`, utf8(meta.replace(wrongId, good)));
  await fs.mkdir('raft/snapshots/not-a-snapshot');
  await fs.writeFile('raft/snapshots/stray-file', utf8('x'));

  await assert.rejects(store.open(flipped), (e: unknown) => e instanceof SnapshotError && /CRC mismatch/.test(e.message));
  await assert.rejects(store.open(truncated), (e: unknown) => e instanceof SnapshotError && /3 bytes, meta.json says 7/.test(e.message));
  await assert.rejects(store.open(badJson), (e: unknown) => e instanceof SnapshotError && /not JSON/.test(e.message));
  await assert.rejects(store.open(wrongId), (e: unknown) => e instanceof SnapshotError && /does not match/.test(e.message));
  await assert.rejects(store.open('../../etc'), SnapshotError);
  await assert.rejects(store.open('9-9-9'), SnapshotError);

  r.logs.length = 0;
  const listed = (await store.list()).map((m) => m.id);
  assert.deepEqual(listed, [truncated, flipped, good], 'only snapshots whose meta.json reads are listed (state is checked on open)');
  const warned = r.logs.filter((e) => e.level === 'warn' && e.msg === 'failed to read metadata').map((e) => e['name']);
  assert.deepEqual(warned.sort(), [badJson, 'not-a-snapshot', wrongId].sort());
  assert.equal(await readState(store, good), 'good');
});

test('a failed state write rejects write and close and leaves nothing behind', async () => {
  const r = rig(SEED);
  const store = await r.open({ chunkBytes: 16 });
  const sink = await store.create(1, 5, 1, CONFIG, 1, r.transport);
  r.fault.fn = (op) => (op === 'append' ? 'ENOSPC' : undefined);
  await assert.rejects(sink.write(new Uint8Array(32)), SnapshotError);
  r.fault.fn = undefined;
  await assert.rejects(sink.write(new Uint8Array(1)), SnapshotError, 'a sink with a hole stays failed');
  await assert.rejects(sink.close(), SnapshotError);
  assert.deepEqual(await r.disk.fileSystem().list('raft/snapshots'), []);
  assert.deepEqual(await store.list(), []);
});

test('cancel removes the temporary directory; the permission probe failing is a SnapshotError', async () => {
  const r = rig(SEED);
  const store = await r.open();
  const sink = await store.create(1, 5, 1, CONFIG, 1, r.transport);
  await sink.write(utf8('abandoned'));
  await sink.cancel();
  await sink.cancel();
  assert.deepEqual(await r.disk.fileSystem().list('raft/snapshots'), []);
  r.fault.fn = (op, path) => (op === 'open' && path.endsWith('permTest') ? 'EIO' : undefined);
  await assert.rejects(r.open(), (e: unknown) => e instanceof SnapshotError && /not usable/.test(e.message));
});
