import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FsError } from '@shoal/kit';
import { Simulation } from './simulation.js';
import { SimDisk, type SimDiskOptions } from './disk.js';
import { constantLatency } from './latency.js';
import { SimNetwork } from './network.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 777);
const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const isCode = (code: string) => (e: unknown) => e instanceof FsError && e.code === code;

function disk(seed: number, options: SimDiskOptions = {}) {
  const sim = new Simulation({ seed });
  const d = new SimDisk(sim, options);
  return { sim, disk: d, fs: d.fileSystem() };
}

test('basic file operations: create, write, append, read, truncate, list, stat, unlink, rmdir', async () => {
  const { fs } = disk(1);
  await fs.mkdir('a/b', { recursive: true });
  await assert.rejects(fs.mkdir('a'), isCode('EEXIST'));
  const f = await fs.open('/a/b/log', { create: true });
  assert.equal(await f.append(text('hello ')), 0);
  assert.equal(await f.append(text('world')), 6);
  await f.write(20, bytes(1));
  assert.equal(await f.size(), 21);
  assert.deepEqual([...(await f.read(11, 100))], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 'a gap reads as zeros');
  assert.equal((await f.read(100, 5)).length, 0);
  await f.truncate(5);
  assert.equal(new TextDecoder().decode(await fs.readFile('a/b/log')), 'hello');
  await f.close();
  await assert.rejects(f.read(0, 1), isCode('EBADF'));
  await fs.writeFile('a/z', text('z'));
  await fs.writeFile('a/m', text('m'));
  assert.deepEqual(await fs.list('a'), ['b', 'm', 'z']);
  assert.deepEqual(await fs.stat('a/z'), { size: 1, isDirectory: false });
  assert.deepEqual(await fs.stat('a'), { size: 0, isDirectory: true });
  assert.equal(await fs.stat('nope/x'), undefined);
  await assert.rejects(fs.open('missing'), isCode('ENOENT'));
  await assert.rejects(fs.open('a/z', { create: true, exclusive: true }), isCode('EEXIST'));
  await assert.rejects(fs.open('a'), isCode('EISDIR'));
  await assert.rejects(fs.writeFile('a/z/q', bytes(1)), isCode('ENOTDIR'));
  await assert.rejects(fs.rmdir('a'), isCode('ENOTEMPTY'));
  await assert.rejects(fs.readFile('a/../a/z'), isCode('EINVAL'));
  await fs.unlink('a/z');
  await assert.rejects(fs.unlink('a/z'), isCode('ENOENT'));
  await fs.rmdir('a', { recursive: true });
  assert.deepEqual(await fs.list('/'), []);
  const ro = await fs.open('r', { create: true, readOnly: true });
  await assert.rejects(ro.write(0, bytes(1)), isCode('EBADF'));
});

test('crash: synced writes survive, unsynced ones are lost (no tearing)', async () => {
  const { disk: d, fs } = disk(2, { tornWriteProbability: 0 });
  await fs.writeFile('stable', text('v1'), { sync: true });
  await fs.syncDir('/');
  const f = await fs.open('stable');
  await f.write(0, text('v2'));
  await f.append(text('-more'));
  assert.equal(new TextDecoder().decode(await fs.readFile('stable')), 'v2-more', 'visible before the crash');
  d.crash();
  await assert.rejects(fs.readFile('stable'), isCode('EIO'));
  await assert.rejects(f.read(0, 1), isCode('EBADF'));
  const after = d.fileSystem();
  assert.equal(new TextDecoder().decode(await after.readFile('stable')), 'v1');
});

test(`crash: a torn last write leaves a prefix of it, at the configured granularity (seed ${SEED})`, async () => {
  const sizes = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const { disk: d, fs } = disk(SEED + i, { tornWriteProbability: 1, tornGranularityBytes: 8 });
    const f = await fs.open('log', { create: true });
    await fs.syncDir('/');
    await f.append(new Uint8Array(16).fill(1));
    await f.sync();
    const record = new Uint8Array(64).map((_, k) => 2 + k);
    await f.append(record); // unsynced when the crash comes
    d.crash();
    const data = await d.fileSystem().readFile('log');
    assert.ok(data.length >= 16 && data.length < 16 + 64, `seed ${SEED + i}: size ${data.length}`);
    assert.equal((data.length - 16) % 8, 0, `seed ${SEED + i}: tear at granularity`);
    assert.deepEqual([...data.subarray(0, 16)], new Array(16).fill(1));
    assert.deepEqual([...data.subarray(16)], [...record.subarray(0, data.length - 16)], `seed ${SEED + i}: a prefix`);
    sizes.add(data.length);
  }
  assert.ok(sizes.size >= 6, `tears vary in size: ${[...sizes].join(',')}`);
});

test(`crash: a torn writev keeps a prefix of the chunks' concatenation, ending inside any chunk (seed ${SEED})`, async () => {
  const chunks = [new Uint8Array(5).fill(1), new Uint8Array(3).fill(2), new Uint8Array(0), new Uint8Array(6).fill(3)];
  const whole = [...chunks.flatMap((c) => [...c])];
  const sizes = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const { disk: d, fs } = disk(SEED + i, { tornWriteProbability: 1 });
    const f = await fs.open('log', { create: true });
    await fs.syncDir('/');
    await f.writev(0, chunks);
    assert.deepEqual([...(await f.read(0, 100))], whole, 'before the crash the whole write reads back');
    d.crash();
    const data = [...(await d.fileSystem().readFile('log'))];
    assert.deepEqual(data, whole.slice(0, data.length), `seed ${SEED + i}: a prefix`);
    assert.ok(data.length < whole.length, `seed ${SEED + i}: torn`);
    sizes.add(data.length);
  }
  for (const inside of [3, 6, 10]) assert.ok(sizes.has(inside), `a tear inside the chunk around byte ${inside}: ${[...sizes].sort((a, b) => a - b).join(',')}`);
});

test(`crash with crashKeeps 'random-prefix': survivors are an ordered prefix of the unsynced writes (seed ${SEED})`, async () => {
  const outcomes = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const { disk: d, fs } = disk(SEED + i, { crashKeeps: 'random-prefix', tornWriteProbability: 0 });
    const f = await fs.open('log', { create: true });
    await fs.syncDir('/');
    for (let k = 1; k <= 5; k++) await f.append(bytes(k));
    d.crash();
    const data = [...(await d.fileSystem().readFile('log'))];
    assert.deepEqual(data, [1, 2, 3, 4, 5].slice(0, data.length), `seed ${SEED + i}`);
    outcomes.add(data.length);
  }
  assert.equal(outcomes.size, 6, 'every prefix length from 0 to 5 happens');
});

test('rename is atomic and becomes durable with syncDir; new names need syncDir', async () => {
  const { disk: d, fs } = disk(3, { tornWriteProbability: 1 });
  await fs.mkdir('snap');
  await fs.syncDir('/');
  await fs.writeFile('snap/meta.json', text('old'), { sync: true });
  await fs.syncDir('snap');
  // Replace it the safe way, but crash before syncing the directory.
  await fs.writeFile('snap/meta.json.tmp', text('new contents'), { sync: true });
  await fs.rename('snap/meta.json.tmp', 'snap/meta.json');
  assert.equal(new TextDecoder().decode(await fs.readFile('snap/meta.json')), 'new contents');
  d.crash();
  let view = d.fileSystem();
  assert.equal(new TextDecoder().decode(await view.readFile('snap/meta.json')), 'old');
  assert.deepEqual(await view.list('snap'), ['meta.json'], 'the unsynced tmp name is gone too');
  // Now with the directory synced.
  await view.writeFile('snap/meta.json.tmp', text('new contents'), { sync: true });
  await view.rename('snap/meta.json.tmp', 'snap/meta.json');
  await view.syncDir('snap');
  d.crash();
  view = d.fileSystem();
  assert.equal(new TextDecoder().decode(await view.readFile('snap/meta.json')), 'new contents');
  assert.deepEqual(await view.list('snap'), ['meta.json']);
});

test("dirDurability 'immediate' keeps new names without syncDir", async () => {
  const { disk: d, fs } = disk(4, { dirDurability: 'immediate' });
  await fs.writeFile('f', text('x'), { sync: true });
  d.crash();
  assert.equal(new TextDecoder().decode(await d.fileSystem().readFile('f')), 'x');
});

test('fsync latency: a crash before the sync completes loses the data', async () => {
  const { sim, disk: d, fs } = disk(5, { syncLatency: constantLatency(10), tornWriteProbability: 0 });
  await sim.settle(fs.writeFile('f', text('a'), { sync: true }));
  await sim.settle(fs.syncDir('/'));
  assert.equal(sim.now(), 20);
  const f = await fs.open('f');
  await f.write(0, text('b'));
  const syncing = f.sync();
  sim.after(5, () => d.crash());
  await assert.rejects(sim.settle(syncing), isCode('EIO'));
  assert.equal(new TextDecoder().decode(await d.fileSystem().readFile('f')), 'a');
});

test("no latency: a crash that another handle's operation sets off while a sync is under way fails that sync", async () => {
  let crashNext = false;
  const d: SimDisk = new SimDisk(new Simulation({ seed: 6 }), {
    tornWriteProbability: 0,
    fault: (op) => {
      if (!crashNext || op !== 'write') return undefined;
      d.crash();
      return 'EIO';
    },
  });
  const fs = d.fileSystem();
  const f = await fs.open('f', { create: true });
  await fs.syncDir('/');
  const other = await fs.open('f');
  await f.write(0, text('b'));
  crashNext = true;
  const syncing = f.datasync();
  await assert.rejects(other.write(8, text('z')), isCode('EIO'));
  await assert.rejects(syncing, isCode('EIO'));
  assert.equal((await d.fileSystem().readFile('f')).length, 0, 'the unsynced write is lost, as the sync said');
});

test('capacity: writes beyond it fail with ENOSPC; deletes free space', async () => {
  const { fs } = disk(6, { capacityBytes: 100 });
  await fs.writeFile('a', new Uint8Array(60));
  await assert.rejects(fs.writeFile('b', new Uint8Array(60)), isCode('ENOSPC'));
  await fs.unlink('a');
  await fs.writeFile('b', new Uint8Array(60));
});

test('fault injection: the hook fails chosen operations with chosen codes', async () => {
  let failSyncs = true;
  const { fs } = disk(7, { fault: (op, path) => (op === 'sync' && failSyncs && path.startsWith('wal') ? 'EIO' : undefined) });
  const f = await fs.open('wal-1', { create: true });
  await f.append(bytes(1));
  await assert.rejects(f.sync(), isCode('EIO'));
  failSyncs = false;
  await f.sync();
});

test("a node's disk crashes with the node; the restarted node sees only durable state", async () => {
  const sim = new Simulation({ seed: 8 });
  const net = new SimNetwork(sim, { disk: { tornWriteProbability: 0 } });
  const node = net.addNode();
  const fs = node.disk.fileSystem();
  await fs.writeFile('term', text('3'), { sync: true });
  await fs.syncDir('/');
  await fs.writeFile('term', text('4'));
  node.crash();
  node.restart();
  assert.equal(new TextDecoder().decode(await node.disk.fileSystem().readFile('term')), '3');
});

test('preallocate: extends with zeros against the capacity, ENOSPC when it does not fit, and is lost unsynced', async () => {
  const { disk: d, fs } = disk(9, { capacityBytes: 100, tornWriteProbability: 0 });
  const f = await fs.open('log', { create: true });
  await fs.syncDir('/');
  await f.append(text('abc'));
  await f.sync();
  await f.preallocate(80);
  assert.equal(d.usedBytes, 80);
  await assert.rejects(f.preallocate(101), isCode('ENOSPC'));
  assert.equal(await f.size(), 80);
  await assert.rejects(fs.writeFile('other', new Uint8Array(30)), isCode('ENOSPC'));
  d.crash();
  assert.equal(new TextDecoder().decode(await d.fileSystem().readFile('log')), 'abc');
});
