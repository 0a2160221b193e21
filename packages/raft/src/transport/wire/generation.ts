/**
 * The two Go raft wire generations shoal speaks, the RPC type bytes, and which
 * RPCs a peer of each generation can parse.
 */
import type { EncodeOptions, IntStyle, TimeFormat } from '@shoal/kit';

/**
 * '1.1': Go raft 1.1.2 (Debian) on go-msgpack 0.5.5: headers carry only
 * ProtocolVersion, Log has no AppendedAt, no pre-vote.
 * '1.7': current upstream on go-msgpack v2: ID and Addr in every header,
 * AppendedAt in every Log, pre-vote (RPC 4).
 */
export type WireGeneration = '1.1' | '1.7';

export const WIRE_GENERATIONS: readonly WireGeneration[] = ['1.1', '1.7'];

/** The byte that precedes every request on the stream. Values are Go's: never renumber. */
export const RpcType = {
  AppendEntries: 0,
  RequestVote: 1,
  InstallSnapshot: 2,
  /** Since Go raft 1.1.0. */
  TimeoutNow: 3,
  /** Since Go raft 1.7.0. */
  RequestPreVote: 4,
} as const;
export type RpcType = (typeof RpcType)[keyof typeof RpcType];

export interface WireFormat {
  generation: WireGeneration;
  /**
   * How Log.AppendedAt is written (1.7 only; decoding accepts both):
   * 'binary' (default) is the 15-byte MarshalBinary blob raft writes with
   * MsgpackUseNewTimeFormat=false; 'builtin' is the msgpack timestamp
   * payload (nil for the zero time) Nomad's transport writes.
   */
  timeFormat?: TimeFormat;
}

/** Whether a peer of `generation` understands `type`; Go closes the connection on any other byte. */
export function peerCanParse(generation: WireGeneration, type: number): type is RpcType {
  const highest = generation === '1.1' ? RpcType.TimeoutNow : RpcType.RequestPreVote;
  return Number.isInteger(type) && type >= 0 && type <= highest;
}

/** The RPC types a peer of `generation` accepts, in type-byte order. */
export function rpcTypesFor(generation: WireGeneration): readonly RpcType[] {
  return generation === '1.1' ? [0, 1, 2, 3] : [0, 1, 2, 3, 4];
}

/** go-msgpack 0.5.5 writes non-negative signed ints like unsigned ones; v2 uses the signed family. */
function intStyleOf(generation: WireGeneration): IntStyle {
  return generation === '1.1' ? 'v0.5' : 'v2';
}

/** The msgpack writer settings Go uses for `format`. */
export function encodeOptionsFor(format: WireFormat): EncodeOptions {
  return { intStyle: intStyleOf(format.generation), timeFormat: format.timeFormat ?? 'binary' };
}
