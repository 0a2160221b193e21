import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FsError, fromUtf8, utf8 } from '@shoal/kit';
import { SimDisk, Simulation } from '@shoal/sim';
import { FaultyFileSystem } from './faulty-fs.js';

function setup(): { sim: Simulation; disk: SimDisk; fs: FaultyFileSystem } {
  const sim = new Simulation({ seed: 1 });
  const disk = new SimDisk(sim);
  return { sim, disk, fs: new FaultyFileSystem(disk.fileSystem(), sim) };
}

/** Whether `promise` has settled after the simulation ran `ms` of virtual time. */
async function settledWithin(sim: Simulation, promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sim.runFor(ms);
  return settled;
}

test('without rules every operation passes through to the wrapped file system', async () => {
  const { sim, disk, fs } = setup();
  await sim.settle(fs.writeFile('a', utf8('hello'), { sync: true }));
  const handle = await sim.settle(fs.open('a'));
  assert.equal(fromUtf8(await sim.settle(handle.read(0, 5))), 'hello');
  assert.equal(await sim.settle(handle.append(utf8('!'))), 5);
  await sim.settle(handle.datasync());
  assert.equal(fromUtf8(await sim.settle(disk.fileSystem().readFile('a'))), 'hello!');
  assert.deepEqual(await sim.settle(fs.list('')), ['a']);
});

test('fail: matching operations reject with the code, others pass, and the rule switches off and on', async () => {
  const { sim, fs } = setup();
  await sim.settle(fs.mkdir('log'));
  await sim.settle(fs.writeFile('log/1', utf8('x')));
  await sim.settle(fs.writeFile('meta', utf8('y')));
  const rule = fs.fail({ op: ['sync', 'datasync'], path: /^log\// }, 'EIO');
  const log = await sim.settle(fs.open('log/1'));
  const meta = await sim.settle(fs.open('meta'));
  await assert.rejects(sim.settle(log.sync()), (err: unknown) => err instanceof FsError && err.code === 'EIO' && err.path === 'log/1');
  await assert.rejects(sim.settle(log.datasync()), (err: unknown) => err instanceof FsError && err.code === 'EIO');
  await sim.settle(log.append(utf8('z')));
  await sim.settle(meta.sync());
  assert.equal(rule.hits, 2);
  rule.disable();
  await sim.settle(log.sync());
  rule.enable();
  await assert.rejects(sim.settle(log.sync()), /EIO/);
});

test('fail with ENOSPC on writes: the data does not reach the disk', async () => {
  const { sim, disk, fs } = setup();
  fs.fail({ op: ['append', 'write', 'writeFile'] }, 'ENOSPC');
  const handle = await sim.settle(fs.open('f', { create: true }));
  await assert.rejects(sim.settle(handle.append(utf8('data'))), (err: unknown) => err instanceof FsError && err.code === 'ENOSPC');
  await assert.rejects(sim.settle(fs.writeFile('g', utf8('data'))), /ENOSPC/);
  assert.equal((await sim.settle(disk.fileSystem().stat('f')))?.size, 0);
  assert.equal(await sim.settle(disk.fileSystem().stat('g')), undefined);
});

test('rename is matched by either of its paths', async () => {
  const { sim, fs } = setup();
  await sim.settle(fs.mkdir('tmp'));
  await sim.settle(fs.writeFile('tmp/a', utf8('x')));
  fs.fail({ op: 'rename', path: 'final' }, 'EIO');
  await assert.rejects(sim.settle(fs.rename('tmp/a', 'final')), /EIO/);
  await sim.settle(fs.rename('tmp/a', 'other'));
});

test('stall: the operation does not finish until the rule is disabled, then completes', async () => {
  const { sim, disk, fs } = setup();
  const handle = await sim.settle(fs.open('f', { create: true }));
  await sim.settle(handle.append(utf8('abc')));
  await sim.settle(fs.syncDir(''));
  const rule = fs.stall({ op: 'datasync' });
  const sync = handle.datasync();
  assert.equal(await settledWithin(sim, sync, 10_000), false);
  assert.equal(rule.stalledCount, 1);
  // Other operations go on meanwhile.
  assert.equal(fromUtf8(await sim.settle(handle.read(0, 3))), 'abc');
  rule.disable();
  assert.equal(await settledWithin(sim, sync, 0), true);
  assert.equal(rule.stalledCount, 0);
  // The released sync really ran: a crash keeps the data.
  disk.crash();
  assert.equal(fromUtf8(await sim.settle(disk.fileSystem().readFile('f'))), 'abc');
});

test('slow: the operation takes the delay on the injected clock; heal() ends every rule', async () => {
  const { sim, fs } = setup();
  const handle = await sim.settle(fs.open('f', { create: true }));
  fs.slow({ op: 'append' }, 40);
  fs.stall({ op: 'sync' });
  const started = sim.now();
  await sim.settle(handle.append(utf8('x')));
  assert.equal(sim.now() - started, 40);
  const sync = handle.sync();
  assert.equal(await settledWithin(sim, sync, 1000), false);
  fs.heal();
  assert.equal(await settledWithin(sim, sync, 0), true);
  const again = sim.now();
  await sim.settle(handle.append(utf8('y')));
  assert.equal(sim.now() - again, 0);
});

test('handle methods the wrapper does not name (preallocate) are forwarded and matched by their name', async () => {
  const { sim, fs } = setup();
  const handle = await sim.settle(fs.open('f', { create: true }));
  const rule = fs.fail({ op: 'preallocate' }, 'ENOSPC');
  await assert.rejects(sim.settle(handle.preallocate(4096)), (err: unknown) => err instanceof FsError && err.code === 'ENOSPC');
  rule.disable();
  await sim.settle(handle.preallocate(4096));
  assert.equal(rule.hits, 1);
});
