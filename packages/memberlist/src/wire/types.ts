/** Message type bytes (spec §2). New types may only be appended upstream. */
export const MessageType = {
  Ping: 0,
  IndirectPing: 1,
  AckResp: 2,
  Suspect: 3,
  Alive: 4,
  Dead: 5,
  PushPull: 6,
  Compound: 7,
  User: 8,
  Compress: 9,
  Encrypt: 10,
  NackResp: 11,
  HasCrc: 12,
  Err: 13,
  /** Not a message: the label header's first byte (v0.3.0+). */
  HasLabel: 244,
} as const;

export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Node states as pushNodeState.State carries them (state.go). */
export const NodeStateType = { Alive: 0, Suspect: 1, Dead: 2, Left: 3 } as const;
export type NodeStateType = (typeof NodeStateType)[keyof typeof NodeStateType];
