/** Small helpers for durable directory handling on a kit FileSystem. */
import type { FileSystem } from '@shoal/kit';

/** The parent directory of a '/'-separated path ('/' for a top-level name). */
export function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  return at <= 0 ? '/' : trimmed.slice(0, at);
}

/** Creates `dir` and any missing parents, making each new name durable (syncDir of its parent). */
export async function ensureDir(fs: FileSystem, dir: string): Promise<void> {
  const parts = dir.split('/').filter((p) => p !== '');
  let current = '';
  for (const part of parts) {
    const parent = current === '' ? '/' : current;
    current = `${current}/${part}`;
    if ((await fs.stat(current)) === undefined) {
      await fs.mkdir(current);
      await fs.syncDir(parent);
    }
  }
}
