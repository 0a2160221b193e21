import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsError } from './fs.js';
import { NodeFileSystem } from './real-fs.js';
import { fileSystemContract } from './testing/index.js';

async function freshDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'shoal-real-fs-'));
}

fileSystemContract('NodeFileSystem', async () => {
  const dir = await freshDir();
  return { fs: new NodeFileSystem(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

fileSystemContract('NodeFileSystem with inline durable writes', async () => {
  const dir = await freshDir();
  return { fs: new NodeFileSystem(dir, { inlineDurableWriteBytes: 1 << 20 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

test('NodeFileSystem: a small writeDurably is made on the main thread once the turn ends, in order with the handle\'s other writes; a large one goes to a worker', async () => {
  const dir = await freshDir();
  try {
    const fs = new NodeFileSystem(dir, { inlineDurableWriteBytes: 4 });
    const f = await fs.open('a', { create: true });
    const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
    const onDisk = (): string => readFileSync(join(dir, 'a'), 'utf8');
    await f.writeDurably(0, [bytes('ab')]); // the first opens the O_DSYNC descriptor, on a worker
    assert.equal(fs.inlineDurableWrites, 0);
    const small = f.writeDurably(2, [bytes('cd')]);
    // What the caller does next in this turn (a socket write) comes before the write.
    const seenThisTurn = await new Promise<string>((resolve) => process.nextTick(() => resolve(onDisk())));
    assert.equal(seenThisTurn, 'ab');
    await small;
    assert.equal(onDisk(), 'abcd');
    assert.equal(fs.inlineDurableWrites, 1);
    await f.writeDurably(4, [bytes('efg'), bytes('hi')]);
    assert.equal(onDisk(), 'abcdefghi');
    assert.equal(fs.inlineDurableWrites, 1, 'over the limit: on a worker');
    // Behind a queued truncate, a small write waits its turn.
    const cut = f.truncate(2);
    const after = f.writeDurably(2, [bytes('XY')]);
    await Promise.all([cut, after]);
    assert.equal(onDisk(), 'abXY');
    assert.equal(fs.inlineDurableWrites, 2);
    fs.inlineDurableWriteBytes = 0;
    await f.writeDurably(4, [bytes('z')]);
    assert.equal(onDisk(), 'abXYz');
    assert.equal(fs.inlineDurableWrites, 2, 'turned off: on a worker');
    await f.writeDurably(5, []);
    assert.equal(fs.inlineDurableWrites, 2, 'turned off, even a write of nothing: on a worker');
    fs.inlineDurableWriteBytes = 4;
    const last = f.writeDurably(5, [bytes('!')]);
    await f.close(); // waits for the write queued before it
    await last;
    assert.equal(onDisk(), 'abXYz!');
    await assert.rejects(f.writeDurably(0, [bytes('q')]), (e: unknown) => e instanceof FsError && e.code === 'EBADF');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('NodeFileSystem: paths stay under the root; the files are where the root says', async () => {
  const parent = await freshDir();
  try {
    const root = join(parent, 'root');
    const fs = new NodeFileSystem(root);
    await assert.rejects(fs.list('/'), (e: unknown) => e instanceof FsError && e.code === 'ENOENT');
    await fs.mkdir('/', { recursive: true });
    await writeFile(join(parent, 'outside'), 'secret');
    await assert.rejects(fs.readFile('../outside'), (e: unknown) => e instanceof FsError && e.code === 'EINVAL');
    await assert.rejects(fs.readFile('a\0b'), (e: unknown) => e instanceof FsError && e.code === 'EINVAL');
    await fs.mkdir('sub');
    await fs.writeFile('/sub/f', new TextEncoder().encode('inside'));
    assert.equal(await readFile(join(root, 'sub', 'f'), 'utf8'), 'inside');
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('NodeFileSystem: codes outside the interface become EIO with the original as cause', async () => {
  const dir = await freshDir();
  try {
    await symlink('loop', join(dir, 'loop')); // ELOOP when followed
    const fs = new NodeFileSystem(dir);
    await assert.rejects(fs.readFile('loop'), (e: unknown) => {
      assert.ok(e instanceof FsError);
      assert.equal(e.code, 'EIO');
      assert.equal((e.cause as { code?: string }).code, 'ELOOP');
      assert.equal(e.path, 'loop');
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('NodeFileSystem: writeDurably reaches the file the handle has open, even after it was renamed and another took its name', async () => {
  const dir = await freshDir();
  try {
    const fs = new NodeFileSystem(dir);
    const f = await fs.open('a', { create: true });
    await fs.rename('a', 'b');
    await fs.writeFile('a', new TextEncoder().encode('impostor'));
    await f.writeDurably(0, [new TextEncoder().encode('mine')]);
    await f.writeDurably(4, [new TextEncoder().encode('!')]);
    await f.close();
    assert.equal(await readFile(join(dir, 'b'), 'utf8'), 'mine!');
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'impostor');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('NodeFileSystem: a writeDurably issued behind queued size-changing operations runs after them, not at once', async () => {
  const dir = await freshDir();
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  try {
    const fs = new NodeFileSystem(dir);
    const f = await fs.open('log', { create: true });
    // The first opens the O_DSYNC descriptor; from then on a write with nothing queued before it starts at once.
    await f.writeDurably(0, [bytes('AAAAAAAA')]);
    // Queued behind the truncate: written at 2 after the cut, then the append finds the end after it.
    await Promise.all([f.truncate(2), f.writeDurably(2, [bytes('xy')]), f.append(bytes('z'))]);
    assert.equal(await readFile(join(dir, 'log'), 'utf8'), 'AAxyz');
    // Started at once, empty chunks among its chunks.
    await f.writeDurably(5, [new Uint8Array(0), bytes('hel'), new Uint8Array(0), bytes('lo')]);
    await f.close();
    assert.equal(await readFile(join(dir, 'log'), 'utf8'), 'AAxyzhello');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
