import type { Logger } from '@shoal/kit';
import { ensurePort, formatIP, parseIP, splitHostPort, type Address } from './address.js';
import { JoinError, MemberlistError, MemberlistErrorCode } from './errors.js';
import type { NodeTable } from './node-table.js';
import type { Streams } from './streams.js';

/** Parses "name/host:port", "host:port" or "host" (the bind port is added), as Go's Join does. */
export function parseJoinAddress(entry: string, defaultPort: number): Address {
  let name = '';
  let rest = entry;
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    if (slash === 0) throw new MemberlistError(MemberlistErrorCode.BadAddress, `empty node name in ${JSON.stringify(entry)}`);
    name = entry.slice(0, slash);
    rest = entry.slice(slash + 1);
  }
  const withPort = ensurePort(rest, defaultPort);
  const hp = splitHostPort(withPort);
  if (!hp || hp.host === '') throw new MemberlistError(MemberlistErrorCode.BadAddress, `cannot parse address ${JSON.stringify(entry)}`);
  return { addr: canonicalAddress(withPort), name };
}

/** "host:port" with an IP host printed the way Go prints it, so addresses compare as strings. */
export function canonicalAddress(addr: string): string {
  const hp = splitHostPort(addr);
  if (!hp) return addr;
  const ip = parseIP(hp.host);
  if (!ip) return addr;
  const host = formatIP(ip);
  return host.includes(':') ? `[${host}]:${hp.port}` : `${host}:${hp.port}`;
}

/**
 * Go's Join: a push/pull (join = true) with each address in turn, each given
 * `timeoutMs`, dial included. Resolves how many answered; rejects with a
 * JoinError listing every failure when none did, or with the signal's reason
 * once it aborts (an exchange in progress is abandoned: its reply is not
 * merged).
 */
export async function joinAll(streams: Streams, entries: readonly string[], defaultPort: number, logger: Logger, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  let contacted = 0;
  const errors: Error[] = [];
  for (const entry of entries) {
    signal?.throwIfAborted();
    let to: Address;
    try {
      to = parseJoinAddress(entry, defaultPort);
    } catch (e) {
      errors.push(e as Error);
      continue;
    }
    try {
      await abortable(streams.pushPull(to, true, signal, timeoutMs), signal);
      logger.debug({ to: entry }, 'memberlist: joined through a seed (push/pull done)');
      contacted++;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      const err = e instanceof Error ? e : new Error(String(e));
      logger.debug({ err, to: entry }, 'memberlist: failed to join');
      errors.push(new MemberlistError(MemberlistErrorCode.JoinFailed, `failed to join ${entry}: ${err.message}`, { cause: err }));
    }
  }
  if (contacted === 0) throw new JoinError(errors);
  return contacted;
}

/** The seed addresses that are not the address of a live member (for periodic rejoin). */
export function missingSeeds(table: NodeTable, seeds: Iterable<string>, localName: string, defaultPort: number): string[] {
  const live = new Set<string>();
  for (let i = 0; i < table.length; i++) if (!table.deadOrLeft(i) && table.name(i) !== localName) live.add(table.info(i).address);
  const missing: string[] = [];
  for (const s of seeds) {
    try {
      if (!live.has(parseJoinAddress(s, defaultPort).addr)) missing.push(s);
    } catch {
      // join() already reported it
    }
  }
  return missing;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
