// How to start a host process of each implementation. The shoal host is
// bundled once with esbuild (already installed as tsx's compiler) so fifty
// processes start in ~0.1 s of CPU each without a TypeScript loader thread;
// without esbuild it falls back to running the source through tsx. The Go
// host is built from interop/memberlist-bench on the Debian-packaged library.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoProgram, goMissingReason } from '../../interop/harness/go-build.js';
import type { LaunchSpec } from './host.js';

export type Impl = 'shoal' | 'go';

export interface HostOptions {
  /** Node names are `${prefix}-${first}`, `${prefix}-${first + 1}`, ... */
  prefix: string;
  first: number;
  nodes: number;
  profile: string;
}

export type Launcher = (options: HostOptions) => LaunchSpec;

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');
const SHOAL_HOST_SOURCE = join(HERE, 'node-host.ts');

const hostArgs = (o: HostOptions, flag: (name: string) => string): string[] => [
  flag('name'), o.prefix, flag('first'), String(o.first), flag('nodes'), String(o.nodes), flag('bind'), '127.0.0.1', flag('profile'), o.profile,
];

/**
 * The shoal source being measured: HEAD's short hash, "+dirty" when the
 * packages the host bundles have uncommitted changes (the tree is shared
 * with people editing the engine). Read when the host is bundled.
 */
export function shoalRevision(): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'packages/kit/src', 'packages/memberlist/src') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

/**
 * `extraArgs`: experiment flags passed through to every shoal host (see
 * node-host.ts); `nodeFlags`: flags for the Node.js runtime of each host
 * (diagnostics such as --perf-basic-prof or --trace-opt).
 */
export async function shoalLauncher(extraArgs: readonly string[] = [], nodeFlags: readonly string[] = []): Promise<Launcher> {
  const bundle = await bundleShoalHost();
  const base = [...nodeFlags, ...(bundle ? [bundle] : ['--conditions=source', '--import', 'tsx', SHOAL_HOST_SOURCE])];
  return (o) => ({ command: process.execPath, args: [...base, ...hostArgs(o, (n) => `--${n}`), ...extraArgs] });
}

export async function goLauncher(): Promise<Launcher> {
  const missing = goMissingReason();
  if (missing) throw new Error(missing);
  const bin = await buildGoProgram('memberlist-bench', 'memberlist-bench');
  return (o) => ({ command: bin, args: hostArgs(o, (n) => `-${n}`) });
}

async function bundleShoalHost(): Promise<string | undefined> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    return undefined;
  }
  const outDir = join(REPO, 'tmp', 'bench-memberlist-cluster');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, 'node-host.mjs');
  await esbuild.build({
    entryPoints: [SHOAL_HOST_SOURCE],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    logLevel: 'error',
    // Keep stack traces and names as they are in the source; speed comparisons stay fair.
    minify: false,
  });
  return outfile;
}
