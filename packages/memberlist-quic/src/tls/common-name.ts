/**
 * The subject CN of a DER certificate, remembered: parsing with @peculiar/x509
 * cost ~1.5 ms per call in the 20-node bench's profile, and every handshake
 * needs the CN twice (verification, then the pool's peer name) for the few
 * certificates a cluster has. Bounded: keyed by SHA-256, the oldest entry goes
 * beyond the cap.
 */
import { createHash } from 'node:crypto';
import { x509 } from './x509-library.js';

/** Distinct certificates remembered; a cluster has one per node. */
export const COMMON_NAME_CACHE_SIZE = 4096;

const cache = new Map<string, string | undefined>();

/** The subject's first CN; undefined when there is none or the DER does not parse. */
export function commonNameOfDer(der: Uint8Array): string | undefined {
  const key = createHash('sha256').update(der).digest('base64');
  if (cache.has(key)) return cache.get(key);
  let name: string | undefined;
  try {
    name = new x509.X509Certificate(der).subjectName.getField('CN')[0];
  } catch {
    name = undefined;
  }
  if (cache.size >= COMMON_NAME_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, name);
  return name;
}
