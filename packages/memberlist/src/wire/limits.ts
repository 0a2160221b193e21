/** Wire limits of memberlist (spec §1, §5.2, §6); Go's newest limits are applied to every version. */
export const Limits = {
  labelMaxBytes: 255,
  compoundMaxParts: 255,
  compoundMaxPartBytes: 0xffff,
  /** An encrypted stream frame's claimed length (Go's maxPushStateBytes). */
  encryptedStreamMaxBytes: 20 * 1024 * 1024,
  userStateMaxBytes: 20 * 1024 * 1024,
  userMsgMaxBytes: 20 * 1024 * 1024,
  pushPullMaxNodes: 1024 * 1024,
  decompressedMaxBytes: 40 * 1024 * 1024,
  /** compress and compound may nest; Go never nests deeper than compress(compound(...)). */
  maxNesting: 8,
  /** Go reads UDP into 64 KiB buffers. */
  udpMaxPacketBytes: 65536,
} as const;
