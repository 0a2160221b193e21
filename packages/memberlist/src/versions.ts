import { unusableVersions } from './admission.js';
import type { NodeTable } from './node-table.js';
import type { PushNodeState } from './wire/messages.js';
import { NodeStateType } from './wire/types.js';

/**
 * The join-time version check (Go's verifyProtocol, spec §9): every node,
 * remote or local, must speak a protocol and delegate version inside the
 * range all alive nodes understand. Returns why not, or undefined.
 *
 * Beyond Go, remote entries whose Vsn is not a usable set (see admission.ts)
 * are left out: the merge drops them, and in Go one such entry (a member with
 * protocol version 0, say, heard from a forged alive) fails every push/pull.
 */
export function verifyProtocol(remote: readonly PushNodeState[], local: NodeTable): string | undefined {
  remote = remote.filter((r) => unusableVersions(r.vsn) === undefined);
  let maxPMin = 0;
  let minPMax = 255;
  let maxDMin = 0;
  let minDMax = 255;
  for (const r of remote) {
    if (r.state !== NodeStateType.Alive) continue;
    const v = r.vsn;
    if (v === undefined || v.length < 5) continue;
    maxPMin = Math.max(maxPMin, v[0]!);
    minPMax = Math.min(minPMax, v[1]!);
    maxDMin = Math.max(maxDMin, v[3]!);
    minDMax = Math.min(minDMax, v[4]!);
  }
  for (let i = 0; i < local.length; i++) {
    if (local.state(i) !== NodeStateType.Alive) continue;
    const n = local.info(i);
    maxPMin = Math.max(maxPMin, n.pMin);
    minPMax = Math.min(minPMax, n.pMax);
    maxDMin = Math.max(maxDMin, n.dMin);
    minDMax = Math.min(minDMax, n.dMax);
  }
  const check = (name: string, pCur: number, dCur: number): string | undefined => {
    if (pCur < maxPMin || pCur > minPMax) return `node '${name}' protocol version (${pCur}) is incompatible: [${maxPMin}, ${minPMax}]`;
    if (dCur < maxDMin || dCur > minDMax) return `node '${name}' delegate protocol version (${dCur}) is incompatible: [${maxDMin}, ${minDMax}]`;
    return undefined;
  };
  for (const r of remote) {
    const v = r.vsn;
    const full = v !== undefined && v.length >= 6;
    const problem = check(r.name, full ? v[2]! : 0, full ? v[5]! : 0);
    if (problem) return problem;
  }
  for (let i = 0; i < local.length; i++) {
    const n = local.info(i);
    const problem = check(n.name, n.pCur, n.dCur);
    if (problem) return problem;
  }
  return undefined;
}
