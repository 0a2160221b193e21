// Child processes spawned during `start` profile themselves (cpu-profile.mjs)
// and write a .cpuprofile into `dir` when they exit cleanly: NODE_OPTIONS
// refuses --cpu-prof, so the preload goes in through it, set only while they
// spawn. Without `dir`, `start` runs as it is.
import { fileURLToPath } from 'node:url';

const CPU_PROFILE_PRELOAD = fileURLToPath(new URL('cpu-profile.mjs', import.meta.url));

export async function withCpuProfiling<T>(dir: string | undefined, start: () => Promise<T>): Promise<T> {
  if (dir === undefined) return start();
  const saved = { options: process.env.NODE_OPTIONS, dir: process.env.SHOAL_CPU_PROF_DIR };
  process.env.NODE_OPTIONS = `${saved.options ?? ''} --import=${CPU_PROFILE_PRELOAD}`.trim();
  process.env.SHOAL_CPU_PROF_DIR = dir;
  try {
    return await start();
  } finally {
    for (const [name, value] of [['NODE_OPTIONS', saved.options], ['SHOAL_CPU_PROF_DIR', saved.dir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
