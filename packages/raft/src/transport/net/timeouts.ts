/** Go's net_transport timing rules, shared by both sides of a connection. */

/** Go's TimeoutScale: a snapshot gets one `timeout` per 256 KiB. */
export const SNAPSHOT_TIMEOUT_SCALE = 256 * 1024;

/** Go's InstallSnapshot deadline: timeout × size / 256 KiB, at least timeout. */
export function snapshotTimeoutMs(timeoutMs: number, size: number): number {
  return Math.max(timeoutMs, timeoutMs * (size / SNAPSHOT_TIMEOUT_SCALE));
}

/** Go's accept back-off: 5 ms, doubling, at most 1 s; reset by a successful accept. */
export function nextAcceptBackoffMs(previousMs: number): number {
  return previousMs === 0 ? 5 : Math.min(previousMs * 2, 1000);
}
