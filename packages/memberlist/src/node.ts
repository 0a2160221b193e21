import { bytesEqual } from '@shoal/kit';
import { ipPortString, type Address } from './address.js';
import { NodeStateType } from './wire/types.js';

export { NodeStateType };

const STATE_NAMES = ['alive', 'suspect', 'dead', 'left'] as const;
/** Lower-case names of the states, for logs and JSON. */
export type NodeStateName = (typeof STATE_NAMES)[number];

export function stateName(state: NodeStateType): NodeStateName {
  return STATE_NAMES[state] ?? 'dead';
}

const EMPTY = new Uint8Array(0);

/**
 * A member as the list knows it (Go's Node). Instances are immutable
 * snapshots: members() and events hand out fresh ones, so holding on to one
 * never sees later changes and changing one cannot corrupt the list.
 */
export class Node {
  readonly name: string;
  /** 4 bytes for IPv4, 16 for IPv6 (or IPv4-mapped). */
  readonly addr: Uint8Array;
  readonly port: number;
  /** Delegate-supplied metadata; empty when none. */
  readonly meta: Uint8Array;
  readonly state: NodeStateType;
  /** Protocol versions: min and max understood, and current. */
  readonly pMin: number;
  readonly pMax: number;
  readonly pCur: number;
  /** Delegate protocol versions: min and max understood, and current. */
  readonly dMin: number;
  readonly dMax: number;
  readonly dCur: number;

  constructor(info: NodeInfo, state: NodeStateType) {
    this.name = info.name;
    this.addr = info.addr;
    this.port = info.port;
    this.meta = info.meta;
    this.state = state;
    this.pMin = info.pMin;
    this.pMax = info.pMax;
    this.pCur = info.pCur;
    this.dMin = info.dMin;
    this.dMax = info.dMax;
    this.dCur = info.dCur;
  }

  /** "host:port" for a transport (Go's Node.Address). */
  get address(): string {
    return ipPortString(this.addr, this.port);
  }

  /** Name and "host:port" (Go's Node.FullAddress). */
  get fullAddress(): Address {
    return { addr: this.address, name: this.name };
  }

  toString(): string {
    return this.name;
  }
}

/**
 * The identity part of a node entry: everything an alive message carries
 * except the incarnation. Immutable and shared, so a table holds one reference
 * per member and a change of address, meta or versions swaps the reference.
 */
export class NodeInfo {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array;
  readonly pMin: number;
  readonly pMax: number;
  readonly pCur: number;
  readonly dMin: number;
  readonly dMax: number;
  readonly dCur: number;
  /** The 6-byte Vsn as sent on the wire. */
  readonly vsn: Uint8Array;

  constructor(name: string, addr: Uint8Array, port: number, meta: Uint8Array | undefined, vsn: Uint8Array | undefined) {
    this.name = name;
    this.addr = addr;
    this.port = port;
    this.meta = meta ?? EMPTY;
    // Go copies Vsn fields only when all six are present; shorter ones count as zeros.
    const v = vsn !== undefined && vsn.length >= 6 ? vsn : EMPTY_VSN;
    this.vsn = v.length === 6 ? v : v.subarray(0, 6);
    this.pMin = v[0]!;
    this.pMax = v[1]!;
    this.pCur = v[2]!;
    this.dMin = v[3]!;
    this.dMax = v[4]!;
    this.dCur = v[5]!;
  }

  #address: Address | undefined;

  /** Same address, port, meta and versions (the name is assumed equal). */
  sameIdentity(o: NodeInfo): boolean {
    return this.port === o.port && bytesEqual(this.addr, o.addr) && bytesEqual(this.meta, o.meta) && bytesEqual(this.vsn, o.vsn);
  }

  /** The same identity with some fields replaced. */
  with(change: { addr?: Uint8Array; port?: number; meta?: Uint8Array; vsn?: Uint8Array }): NodeInfo {
    return new NodeInfo(this.name, change.addr ?? this.addr, change.port ?? this.port, change.meta ?? this.meta, change.vsn ?? this.vsn);
  }

  get address(): string {
    return this.fullAddress.addr;
  }

  /** Name and "host:port"; built once, as every probe and gossip round asks for it. */
  get fullAddress(): Address {
    return (this.#address ??= { addr: ipPortString(this.addr, this.port), name: this.name });
  }
}

const EMPTY_VSN = new Uint8Array(6);

