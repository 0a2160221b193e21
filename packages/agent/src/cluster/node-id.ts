// An agent's node ID: a UUID made on first start and kept in the data
// directory, so the catalog knows the node by the same ID across restarts
// (Consul's node-id file).

import { type FileSystem, fromUtf8, type Random, utf8 } from '@shoal/kit';

export const NODE_ID_FILE = 'node-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A version 4 UUID from `random` (crypto-seeded in production). */
export function randomUuid(random: Random): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i += 4) new DataView(bytes.buffer).setUint32(i, random.uint32());
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads the node ID from `fs`, or makes one and writes it (synced) when there is none. */
export async function loadOrCreateNodeId(fs: FileSystem, random: Random): Promise<string> {
  if ((await fs.stat(NODE_ID_FILE)) !== undefined) {
    const text = fromUtf8(await fs.readFile(NODE_ID_FILE)).trim().toLowerCase();
    if (!UUID.test(text)) throw new Error(`${NODE_ID_FILE} in the data directory does not hold a UUID: '${text.slice(0, 40)}'`);
    return text;
  }
  const id = randomUuid(random);
  await fs.writeFile(NODE_ID_FILE, utf8(`${id}\n`), { sync: true });
  await fs.syncDir('');
  return id;
}
