// Builds our Go harness programs against the Debian-packaged HashiCorp
// libraries (GOPATH mode), caching binaries under interop/bin by source hash.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const INTEROP_DIR = new URL('..', import.meta.url).pathname;
const BIN_DIR = join(INTEROP_DIR, 'bin');
export const GO_ENV = { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '-mod=mod' };

/**
 * Whether `go` and the named library sources (Debian packages) are installed:
 * a bare name is a HashiCorp library, a path with a slash a full import path.
 */
export function goAvailable(libraries: readonly string[] = ['memberlist']): boolean {
  const dir = (lib: string): string => `/usr/share/gocode/src/${lib.includes('/') ? lib : `github.com/hashicorp/${lib}`}`;
  return libraries.every((lib) => existsSync(dir(lib))) && ['/usr/bin/go', '/usr/local/go/bin/go'].some(existsSync);
}

/**
 * Why interop tests cannot run here, or undefined when they can. In CI a
 * missing toolchain is a failure, never a skip: `.ci/run` installs it.
 */
export function goMissingReason(libraries: readonly string[] = ['memberlist']): string | undefined {
  if (goAvailable(libraries)) return undefined;
  const reason = 'go toolchain or hashicorp Go libraries not installed (run scripts/setup.sh)';
  if (process.env.CI) throw new Error(`interop: ${reason}`);
  return reason;
}

const building = new Map<string, Promise<string>>();

/** Builds interop/<dir> into interop/bin/<name>-<hash>, once per source version; returns the path. */
export function buildGoProgram(dir: string, name: string): Promise<string> {
  const key = `${dir}:${name}`;
  let p = building.get(key);
  if (!p) {
    p = build(dir, name);
    building.set(key, p);
  }
  return p;
}

async function build(dir: string, name: string): Promise<string> {
  const src = join(INTEROP_DIR, dir);
  const hash = createHash('sha256');
  for (const file of readdirSync(src).filter((f) => f.endsWith('.go')).sort()) hash.update(file).update(readFileSync(join(src, file)));
  const out = join(BIN_DIR, `${name}-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(out)) return out;
  mkdirSync(BIN_DIR, { recursive: true });
  // Test files run in parallel processes: one builds, the others wait for its
  // binary instead of compiling the same thing at once (a cold build of
  // quic-go takes most of a minute on a busy machine).
  const lock = `${out}.building`;
  if (!(await acquire(lock, out))) return out;
  const env = { ...GO_ENV };
  delete (env as Record<string, string | undefined>).GOFLAGS;
  // Build to a file of our own and rename it into place: atomic, and a binary
  // another process is already running stays untouched.
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await run('go', ['build', '-o', tmp, '.'], { cwd: src, env, timeout: 300_000 });
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
    rmSync(lock, { recursive: true, force: true });
  }
  return out;
}

/** A build lock left by a process that died is taken over after this long. */
const STALE_LOCK_MS = 180_000;

/**
 * Takes the build lock (a directory: mkdir is atomic), or waits while another
 * process holds it. Resolves true when we must build, false when `out` appeared.
 */
async function acquire(lock: string, out: string): Promise<boolean> {
  for (;;) {
    try {
      mkdirSync(lock);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (since !== undefined && Date.now() - since > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    await sleep(250);
    if (existsSync(out)) return false;
  }
}
