// The sizes the agent accepts, Consul's where Consul has one. Everything a
// client sends is checked against these before it reaches raft.

/** Consul's kv_max_value_size: 512 KiB per value (HTTP 413 above it). */
export const MAX_VALUE_BYTES = 512 * 1024;
/** Consul's txn_max_req_len: 512 KiB per /v1/txn request body. */
export const MAX_TXN_BODY_BYTES = 512 * 1024;
/** Consul's limit on operations per transaction. */
export const MAX_TXN_OPS = 64;
/** Consul has no key limit of its own; ours keeps every key well inside a URL. */
export const MAX_KEY_LENGTH = 8 * 1024;
/** Names, ids, addresses, notes: anything else a client names. */
export const MAX_STRING_LENGTH = 4 * 1024;
/** Consul's limits on service and node metadata. */
export const MAX_META_PAIRS = 64;
export const MAX_TAGS = 256;
export const MAX_CHECKS_PER_REGISTER = 64;
/** JSON bodies of the other endpoints. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;
/** One encoded Command: the largest txn (64 values of 512 KiB would be refused earlier, by MAX_TXN_BODY_BYTES) with room for base64. */
export const MAX_COMMAND_BYTES = 2 * 1024 * 1024;
/** Consul's session TTL bounds (10 s .. 24 h) and lock-delay ceiling (60 s). */
export const MIN_SESSION_TTL_MS = 10_000;
export const MAX_SESSION_TTL_MS = 24 * 3600_000;
export const MAX_LOCK_DELAY_MS = 60_000;
