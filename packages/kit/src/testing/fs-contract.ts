/**
 * The FileSystem contract as node:test tests, run against every
 * implementation (the real disk, the simulated one) so they mean the same
 * thing. POSIX and node:fs are the reference where the interface is silent.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FsError, type FileSystem, type FsErrorCode } from '../fs.js';

export interface FileSystemUnderTest {
  fs: FileSystem;
  cleanup(): Promise<void>;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (data: Uint8Array): string => new TextDecoder().decode(data);
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

/** An assert.rejects matcher for an FsError with `code`. */
function fsCode(code: FsErrorCode): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof FsError, `expected FsError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}: ${error.message}`);
    return true;
  };
}

/** Registers the contract's tests under `name`; `make` gives each test a fresh, empty file system. */
export function fileSystemContract(name: string, make: () => Promise<FileSystemUnderTest>): void {
  const check = (title: string, body: (fs: FileSystem) => Promise<void>): void => {
    test(title, async () => {
      const subject = await make();
      try {
        await body(subject.fs);
      } finally {
        await subject.cleanup();
      }
    });
  };

  describe(`FileSystem contract: ${name}`, () => {
    check('open: a missing file is ENOENT unless created; create makes it empty', async (fs) => {
      await assert.rejects(fs.open('f'), fsCode('ENOENT'));
      const f = await fs.open('f', { create: true });
      assert.equal(await f.size(), 0);
      await f.close();
      assert.deepEqual(await fs.stat('f'), { size: 0, isDirectory: false });
    });

    check('open: create keeps existing contents; exclusive refuses an existing file', async (fs) => {
      await fs.writeFile('f', text('kept'));
      const f = await fs.open('f', { create: true });
      assert.equal(decode(await f.read(0, 10)), 'kept');
      await f.close();
      await assert.rejects(fs.open('f', { create: true, exclusive: true }), fsCode('EEXIST'));
      const fresh = await fs.open('g', { create: true, exclusive: true });
      await fresh.close();
    });

    check('open: truncate empties the file', async (fs) => {
      await fs.writeFile('f', text('old contents'));
      const f = await fs.open('f', { truncate: true });
      assert.equal(await f.size(), 0);
      assert.equal((await fs.readFile('f')).length, 0);
      await f.close();
    });

    check('open: a read-only handle reads and refuses every write with EBADF', async (fs) => {
      await fs.writeFile('f', text('data'));
      const f = await fs.open('f', { readOnly: true });
      assert.equal(decode(await f.read(0, 4)), 'data');
      await assert.rejects(f.write(0, bytes(1)), fsCode('EBADF'));
      await assert.rejects(f.writev(0, [bytes(1)]), fsCode('EBADF'));
      await assert.rejects(f.writeDurably(0, [bytes(1)]), fsCode('EBADF'));
      await assert.rejects(f.append(bytes(1)), fsCode('EBADF'));
      await assert.rejects(f.truncate(0), fsCode('EBADF'));
      await assert.rejects(f.preallocate(100), fsCode('EBADF'));
      assert.equal(decode(await fs.readFile('f')), 'data');
      await f.close();
    });

    check('open: wrong kinds and missing parents', async (fs) => {
      await fs.mkdir('d');
      await fs.writeFile('file', bytes(1));
      await assert.rejects(fs.open('d'), fsCode('EISDIR'));
      await assert.rejects(fs.open('d', { readOnly: true }), fsCode('EISDIR'));
      await assert.rejects(fs.open('d', { create: true }), fsCode('EISDIR'));
      await assert.rejects(fs.open('missing/f', { create: true }), fsCode('ENOENT'));
      await assert.rejects(fs.open('file/f', { create: true }), fsCode('ENOTDIR'));
    });

    check('read: short at the end, empty past it', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.write(0, text('hello'));
      assert.equal(decode(await f.read(1, 3)), 'ell');
      assert.equal(decode(await f.read(3, 100)), 'lo');
      assert.equal((await f.read(5, 10)).length, 0);
      assert.equal((await f.read(1000, 10)).length, 0);
      assert.equal((await f.read(0, 0)).length, 0);
      assert.ok((await f.read(0, 5)) instanceof Uint8Array);
      await f.close();
    });

    check('write: positional, overwriting in place; past the end zero-fills the gap', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.write(0, text('abcdef'));
      await f.write(2, text('XY'));
      assert.equal(decode(await f.read(0, 6)), 'abXYef');
      await f.write(10, bytes(7, 8));
      assert.equal(await f.size(), 12);
      assert.deepEqual([...(await f.read(4, 8))], [101, 102, 0, 0, 0, 0, 7, 8]);
      await f.write(20, new Uint8Array(0));
      assert.equal(await f.size(), 12, 'an empty write does not extend the file');
      await f.close();
    });

    check('writev: the chunks land back to back from the position, views of larger buffers included', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.write(0, text('abcdefgh'));
      const backing = text('..XY..Z..');
      await f.writev(2, [backing.subarray(2, 4), new Uint8Array(0), backing.subarray(6, 7)]);
      assert.equal(decode(await f.read(0, 8)), 'abXYZfgh');
      await f.writev(10, [bytes(7), bytes(8, 9)]);
      assert.equal(await f.size(), 13);
      assert.deepEqual([...(await f.read(7, 6))], [104, 0, 0, 7, 8, 9], 'past the end zero-fills the gap');
      await f.writev(20, []);
      await f.writev(20, [new Uint8Array(0)]);
      assert.equal(await f.size(), 13, 'writing nothing does not extend the file');
      await f.close();
    });

    check('writev: more chunks than one pwritev takes (IOV_MAX 1024) all land, in order', async (fs) => {
      const f = await fs.open('f', { create: true });
      const chunks = Array.from({ length: 3000 }, (_, i) => new Uint8Array(1 + (i % 3)).fill(i & 0xff));
      await f.writev(5, chunks);
      const expected = new Uint8Array(5 + chunks.reduce((sum, c) => sum + c.length, 0));
      let at = 5;
      for (const c of chunks) {
        expected.set(c, at);
        at += c.length;
      }
      assert.deepEqual(await f.read(0, expected.length + 10), expected);
      await f.close();
    });

    check('write, read, truncate: bad positions and sizes are EINVAL', async (fs) => {
      const f = await fs.open('f', { create: true });
      await assert.rejects(f.write(-1, bytes(1)), fsCode('EINVAL'));
      await assert.rejects(f.write(1.5, bytes(1)), fsCode('EINVAL'));
      await assert.rejects(f.writev(-1, [bytes(1)]), fsCode('EINVAL'));
      await assert.rejects(f.read(-1, 1), fsCode('EINVAL'));
      await assert.rejects(f.read(0, -1), fsCode('EINVAL'));
      await assert.rejects(f.truncate(-1), fsCode('EINVAL'));
      await assert.rejects(f.preallocate(Number.NaN), fsCode('EINVAL'));
      assert.equal(await f.size(), 0);
      await f.close();
    });

    check('append: resolves to the position written at, also after other handles grew the file', async (fs) => {
      const f = await fs.open('f', { create: true });
      assert.equal(await f.append(text('one')), 0);
      assert.equal(await f.append(text('two')), 3);
      const other = await fs.open('f');
      await other.write(10, text('!'));
      assert.equal(await f.append(text('three')), 11);
      assert.equal(decode(await other.read(0, 3)), 'one');
      assert.equal(decode(await other.read(11, 5)), 'three');
      await other.close();
      await f.close();
    });

    check('append: appends in flight on one handle land whole, at distinct positions', async (fs) => {
      const f = await fs.open('f', { create: true });
      const records = Array.from({ length: 20 }, (_, i) => new Uint8Array(10 + i).fill(i + 1));
      const positions = await Promise.all(records.map((record) => f.append(record)));
      const total = records.reduce((sum, record) => sum + record.length, 0);
      assert.equal(await f.size(), total);
      assert.equal(new Set(positions).size, records.length);
      for (let i = 0; i < records.length; i++) {
        assert.deepEqual(await f.read(positions[i]!, records[i]!.length), records[i], `record ${i} at ${positions[i]}`);
      }
      await f.close();
    });

    check('truncate: shrinks, and extending again reads zeros, not the old bytes', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.write(0, text('abcdefgh'));
      await f.truncate(3);
      assert.equal(await f.size(), 3);
      assert.equal(decode(await fs.readFile('f')), 'abc');
      await f.truncate(6);
      assert.deepEqual([...(await f.read(0, 10))], [97, 98, 99, 0, 0, 0]);
      assert.equal(await f.append(bytes(9)), 6);
      await f.close();
    });

    check('preallocate: grows to at least the size with zeros, keeps the data; smaller is a no-op', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.write(0, text('head'));
      await f.preallocate(3 << 20);
      const size = await f.size();
      assert.ok(size >= 3 << 20, `size ${size}`);
      assert.equal(decode(await f.read(0, 4)), 'head');
      const tail = await f.read(4, size - 4);
      assert.equal(tail.length, size - 4);
      assert.ok(tail.every((b) => b === 0), 'preallocated bytes read as zeros');
      await f.preallocate(10);
      assert.equal(await f.size(), size);
      await f.write(100, text('inside'));
      assert.equal(await f.size(), size, 'a write inside the preallocated range keeps the size');
      assert.equal(decode(await f.read(100, 6)), 'inside');
      await f.datasync();
      await f.close();
    });

    check('sync and datasync resolve and keep the data readable', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.append(text('durable'));
      await f.datasync();
      await f.append(text('!'));
      await f.sync();
      await f.close();
      assert.equal(decode(await fs.readFile('f')), 'durable!');
    });

    check('writeDurably writes like write, inside the file or past its end', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.writeDurably(0, [text('durable')]);
      await f.writeDurably(3, [text('AB')]);
      await f.writeDurably(10, [text('en'), text(''), text('d')]);
      assert.equal(await f.size(), 13);
      assert.deepEqual([...(await f.read(0, 13))], [...text('durABle'), 0, 0, 0, ...text('end')]);
      await f.write(0, text('d'));
      await f.writeDurably(1, [text('U')]);
      assert.equal(decode(await f.read(0, 3)), 'dUr');
      await f.close();
      assert.equal(decode(await fs.readFile('f')).slice(0, 7), 'dUrABle');
    });

    check('close: every later call on the handle is EBADF', async (fs) => {
      const f = await fs.open('f', { create: true });
      await f.append(text('x'));
      await f.close();
      await assert.rejects(f.read(0, 1), fsCode('EBADF'));
      await assert.rejects(f.write(0, bytes(1)), fsCode('EBADF'));
      await assert.rejects(f.writev(0, [bytes(1)]), fsCode('EBADF'));
      await assert.rejects(f.writeDurably(0, [bytes(1)]), fsCode('EBADF'));
      await assert.rejects(f.append(bytes(1)), fsCode('EBADF'));
      await assert.rejects(f.size(), fsCode('EBADF'));
      await assert.rejects(f.truncate(0), fsCode('EBADF'));
      await assert.rejects(f.preallocate(10), fsCode('EBADF'));
      await assert.rejects(f.sync(), fsCode('EBADF'));
      await assert.rejects(f.datasync(), fsCode('EBADF'));
      await assert.rejects(f.close(), fsCode('EBADF'));
      assert.equal(decode(await fs.readFile('f')), 'x');
    });

    check('readFile and writeFile: replace whole contents, with or without sync', async (fs) => {
      await fs.writeFile('f', text('a longer first version'));
      await fs.writeFile('f', text('short'), { sync: true });
      assert.equal(decode(await fs.readFile('f')), 'short');
      await fs.writeFile('/g', new Uint8Array(0));
      assert.equal((await fs.readFile('g')).length, 0);
      const data = await fs.readFile('f');
      assert.ok(data instanceof Uint8Array);
      await fs.mkdir('d');
      await assert.rejects(fs.readFile('missing'), fsCode('ENOENT'));
      await assert.rejects(fs.readFile('d'), fsCode('EISDIR'));
      await assert.rejects(fs.writeFile('d', bytes(1)), fsCode('EISDIR'));
      await assert.rejects(fs.writeFile('missing/f', bytes(1)), fsCode('ENOENT'));
      await assert.rejects(fs.writeFile('f/g', bytes(1)), fsCode('ENOTDIR'));
    });

    check('rename: moves a file, replaces a file at the target, keeps open handles working', async (fs) => {
      await fs.writeFile('a', text('new'));
      await fs.writeFile('b', text('old'));
      const handle = await fs.open('a');
      await fs.rename('a', 'b');
      assert.equal(decode(await fs.readFile('b')), 'new');
      assert.equal(await fs.stat('a'), undefined);
      await handle.append(text('+'));
      await handle.close();
      assert.equal(decode(await fs.readFile('b')), 'new+');
      await fs.mkdir('d');
      await fs.rename('b', 'd/b');
      assert.deepEqual(await fs.list('d'), ['b']);
      await fs.rename('d/b', 'd/b');
      assert.equal(decode(await fs.readFile('d/b')), 'new+');
    });

    check('rename: directories, and the errors of wrong kinds', async (fs) => {
      await fs.mkdir('src/inner', { recursive: true });
      await fs.writeFile('src/inner/f', text('x'));
      await fs.mkdir('empty');
      await fs.rename('src', 'empty');
      assert.equal(decode(await fs.readFile('empty/inner/f')), 'x');
      await fs.mkdir('other');
      await fs.writeFile('file', bytes(1));
      await assert.rejects(fs.rename('missing', 'x'), fsCode('ENOENT'));
      await assert.rejects(fs.rename('file', 'other'), fsCode('EISDIR'));
      await assert.rejects(fs.rename('other', 'file'), fsCode('ENOTDIR'));
      await assert.rejects(fs.rename('other', 'empty'), fsCode('ENOTEMPTY'));
      await assert.rejects(fs.rename('empty', 'empty/inner/moved'), fsCode('EINVAL'));
    });

    check('unlink: removes a file; missing is ENOENT, a directory EISDIR', async (fs) => {
      await fs.writeFile('f', text('x'));
      await fs.unlink('f');
      assert.equal(await fs.stat('f'), undefined);
      await assert.rejects(fs.unlink('f'), fsCode('ENOENT'));
      await fs.mkdir('d');
      await assert.rejects(fs.unlink('d'), fsCode('EISDIR'));
    });

    check('mkdir: one level, or recursive with no error when it exists', async (fs) => {
      await fs.mkdir('a');
      await assert.rejects(fs.mkdir('a'), fsCode('EEXIST'));
      await assert.rejects(fs.mkdir('x/y'), fsCode('ENOENT'));
      await fs.mkdir('x/y/z', { recursive: true });
      await fs.mkdir('x/y/z', { recursive: true });
      await fs.mkdir('/', { recursive: true });
      assert.deepEqual(await fs.stat('x/y/z'), { size: 0, isDirectory: true });
      await fs.writeFile('file', bytes(1));
      await assert.rejects(fs.mkdir('file'), fsCode('EEXIST'));
      await assert.rejects(fs.mkdir('file', { recursive: true }), fsCode('EEXIST'));
      await assert.rejects(fs.mkdir('file/sub'), fsCode('ENOTDIR'));
      await assert.rejects(fs.mkdir('file/sub', { recursive: true }), fsCode('ENOTDIR'));
    });

    check('rmdir: an empty directory; a full one only when recursive; wrong kinds', async (fs) => {
      await fs.mkdir('a/b/c', { recursive: true });
      await fs.writeFile('a/b/f', text('x'));
      await assert.rejects(fs.rmdir('a'), fsCode('ENOTEMPTY'));
      await fs.rmdir('a/b/c');
      assert.deepEqual(await fs.list('a/b'), ['f']);
      await fs.rmdir('a', { recursive: true });
      assert.equal(await fs.stat('a'), undefined);
      await assert.rejects(fs.rmdir('a'), fsCode('ENOENT'));
      await assert.rejects(fs.rmdir('a', { recursive: true }), fsCode('ENOENT'));
      await fs.writeFile('file', bytes(1));
      await assert.rejects(fs.rmdir('file'), fsCode('ENOTDIR'));
      await assert.rejects(fs.rmdir('file', { recursive: true }), fsCode('ENOTDIR'));
      assert.deepEqual(await fs.stat('file'), { size: 1, isDirectory: false });
      await assert.rejects(fs.rmdir('/'), fsCode('EINVAL'));
    });

    check('list: entry names sorted by UTF-16 code unit; errors for missing and files', async (fs) => {
      const names = ['b', 'B', 'a', '10', '9', 'é', 'Z', '\u{1F600}', '\uFF61', '_'];
      for (const name of names) await fs.writeFile(name, bytes(1));
      await fs.mkdir('dir');
      const expected = [...names, 'dir'].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      assert.deepEqual(expected.slice(-2), ['\u{1F600}', '\uFF61'], 'a surrogate pair sorts before U+FF61');
      assert.deepEqual(await fs.list('/'), expected);
      assert.deepEqual(await fs.list(''), expected);
      assert.deepEqual(await fs.list('dir'), []);
      await assert.rejects(fs.list('missing'), fsCode('ENOENT'));
      await assert.rejects(fs.list('b'), fsCode('ENOTDIR'));
    });

    check('stat: files, directories, the root, and nothing', async (fs) => {
      await fs.writeFile('f', text('12345'));
      await fs.mkdir('d');
      assert.deepEqual(await fs.stat('f'), { size: 5, isDirectory: false });
      assert.deepEqual(await fs.stat('/d'), { size: 0, isDirectory: true });
      assert.deepEqual(await fs.stat('/'), { size: 0, isDirectory: true });
      assert.equal(await fs.stat('missing'), undefined);
      assert.equal(await fs.stat('missing/deeper'), undefined);
      assert.equal(await fs.stat('f/under-a-file'), undefined);
    });

    check('syncDir: directories and the root; missing is ENOENT, a file ENOTDIR', async (fs) => {
      await fs.mkdir('d');
      await fs.writeFile('d/f', text('x'), { sync: true });
      await fs.syncDir('d');
      await fs.syncDir('/');
      await assert.rejects(fs.syncDir('missing'), fsCode('ENOENT'));
      await assert.rejects(fs.syncDir('d/f'), fsCode('ENOTDIR'));
    });

    check("paths: '.', '..' and empty segments are EINVAL everywhere; a leading '/' is the same path", async (fs) => {
      await fs.mkdir('d');
      await fs.writeFile('d/f', text('x'));
      assert.equal(decode(await fs.readFile('/d/f')), 'x');
      for (const bad of ['..', '../escape', 'd/../d/f', 'd//f', './d', 'd/./f', '.', '//d']) {
        await assert.rejects(fs.readFile(bad), fsCode('EINVAL'), bad);
        await assert.rejects(fs.open(bad, { create: true }), fsCode('EINVAL'), bad);
        await assert.rejects(fs.writeFile(bad, bytes(1)), fsCode('EINVAL'), bad);
        await assert.rejects(fs.rename('d/f', bad), fsCode('EINVAL'), bad);
        await assert.rejects(fs.rename(bad, 'd/g'), fsCode('EINVAL'), bad);
        await assert.rejects(fs.unlink(bad), fsCode('EINVAL'), bad);
        await assert.rejects(fs.mkdir(bad, { recursive: true }), fsCode('EINVAL'), bad);
        await assert.rejects(fs.rmdir(bad, { recursive: true }), fsCode('EINVAL'), bad);
        await assert.rejects(fs.list(bad), fsCode('EINVAL'), bad);
        await assert.rejects(fs.stat(bad), fsCode('EINVAL'), bad);
        await assert.rejects(fs.syncDir(bad), fsCode('EINVAL'), bad);
      }
      assert.deepEqual(await fs.list('/'), ['d']);
      assert.deepEqual(await fs.list('d'), ['f']);
    });
  });
}
