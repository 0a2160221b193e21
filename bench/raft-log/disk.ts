// Which file system and device a directory lives on, so a figure says what disk it measured.
import { readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface DiskInfo {
  mount: string;
  device: string;
  fstype: string;
  options: string;
  /** The block device's cache mode ('write back' or 'write through'), when sysfs tells. */
  write_cache?: string;
  rotational?: boolean;
}

/** /proc/mounts escapes spaces and the like as octal: '\040'. */
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mount holding `dir` (the longest mount point that prefixes it); undefined off Linux. */
export function diskOf(dir: string): DiskInfo | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const path = realpathSync(dir);
  let best: DiskInfo | undefined;
  for (const line of mounts.split('\n')) {
    const [device, mountRaw, fstype, options] = line.split(' ');
    if (device === undefined || mountRaw === undefined || fstype === undefined || options === undefined) continue;
    const mount = unescapeMount(mountRaw);
    const holds = mount === '/' || path === mount || path.startsWith(`${mount}/`);
    if (holds && (best === undefined || mount.length >= best.mount.length)) best = { mount, device, fstype, options };
  }
  if (best?.device.startsWith('/dev/')) Object.assign(best, blockQueue(basename(best.device)));
  return best;
}

/** A partition's queue settings are its whole disk's: try the device, then its parent in sysfs. */
function blockQueue(name: string): Pick<DiskInfo, 'write_cache' | 'rotational'> {
  let device: string;
  try {
    device = realpathSync(join('/sys/class/block', name));
  } catch {
    return {};
  }
  for (const queue of [join(device, 'queue'), join(device, '..', 'queue')]) {
    try {
      return {
        write_cache: readFileSync(join(queue, 'write_cache'), 'utf8').trim(),
        rotational: readFileSync(join(queue, 'rotational'), 'utf8').trim() === '1',
      };
    } catch {
      // not this one
    }
  }
  return {};
}
