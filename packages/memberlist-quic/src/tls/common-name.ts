/**
 * The subject CN of a DER certificate, remembered: every handshake needs the
 * CN twice (verification, then the pool's peer name) for the few
 * certificates a cluster has. Read by der.ts's walk (microseconds; the
 * @peculiar/x509 parse it replaces took 1.2–1.9 ms a certificate). Bounded:
 * keyed by SHA-256, the oldest entry goes beyond the cap.
 */
import { createHash } from 'node:crypto';
import { subjectCommonNameOfDer } from './der.js';

/** Distinct certificates remembered; a cluster has one per node. */
export const COMMON_NAME_CACHE_SIZE = 4096;

const cache = new Map<string, string | undefined>();

/** The subject's first CN; undefined when there is none or the DER does not parse. */
export function commonNameOfDer(der: Uint8Array): string | undefined {
  const key = createHash('sha256').update(der).digest('base64');
  if (cache.has(key)) return cache.get(key);
  const name = subjectCommonNameOfDer(der);
  if (cache.size >= COMMON_NAME_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, name);
  return name;
}
