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
  /** A stream's decompressed message (unreleased Go HEAD); streams also bound it by the node's partial-frame budget. */
  decompressedMaxBytes: 40 * 1024 * 1024,
  /**
   * A packet's decompressed payload. Go compresses a packet it has already
   * built under UDPBufferSize, so no honest packet expands past a datagram;
   * Go's 40 MiB would let one 31 KB datagram cost a fifth of a CPU-second.
   */
  packetDecompressedMaxBytes: 65536,
  /** compress and compound may nest; Go never nests deeper than compress(compound(...)). */
  maxNesting: 8,
  /** Go reads UDP into 64 KiB buffers. */
  udpMaxPacketBytes: 65536,
} as const;
