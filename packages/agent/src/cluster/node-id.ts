// An agent's node ID: a UUID made on first start and kept in the data
// directory, so the catalog knows the node by the same ID across restarts
// (Consul's node-id file).

import { type FileSystem, fromUtf8, type Random, utf8 } from '@shoal/kit';
import { uuidFrom } from '../uuid.js';

export const NODE_ID_FILE = 'node-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads the node ID from `fs`, or makes one and writes it (synced) when there is none. */
export async function loadOrCreateNodeId(fs: FileSystem, random: Random): Promise<string> {
  if ((await fs.stat(NODE_ID_FILE)) !== undefined) {
    const text = fromUtf8(await fs.readFile(NODE_ID_FILE)).trim().toLowerCase();
    if (!UUID.test(text)) throw new Error(`${NODE_ID_FILE} in the data directory does not hold a UUID: '${text.slice(0, 40)}'`);
    return text;
  }
  const id = uuidFrom(random);
  await fs.writeFile(NODE_ID_FILE, utf8(`${id}\n`), { sync: true });
  await fs.syncDir('');
  return id;
}
