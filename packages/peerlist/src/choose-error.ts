import { ChooseError, PeerListErrorCode, type WaitOutcome } from './errors.js';

export type Lifecycle = 'Idle' | 'Running' | 'Stopped';

/**
 * Builds the error for a choose that found no peer, in yarpc's wording: the
 * code says why (not running, no peers, none available), `outcome` says how
 * the wait ended (fail-fast, deadline, aborted, stopped).
 */
export function chooseError(
  name: string,
  lifecycle: Lifecycle,
  retained: number,
  outcome: WaitOutcome,
  cause?: unknown,
): ChooseError {
  const ending = outcome === 'aborted' ? 'aborted' : 'deadline exceeded';
  if (lifecycle !== 'Running') {
    const why =
      lifecycle === 'Stopped'
        ? 'it has stopped'
        : outcome === 'fail-fast'
          ? 'it has not started (fail-fast is enabled)'
          : `finished while waiting for it to start: ${ending}`;
    return new ChooseError(PeerListErrorCode.NotRunning, `"${name}" peer list is not running: ${why}`, outcome, retained, cause);
  }
  if (retained === 0) {
    const how =
      outcome === 'fail-fast'
        ? 'did not wait for peers to be added (fail-fast is enabled)'
        : `waited for peers to be added but timed out (fail-fast is not enabled): ${ending}`;
    return new ChooseError(PeerListErrorCode.NoPeers, `"${name}" peer list has no peers, ${how}`, outcome, retained, cause);
  }
  const have = retained === 1 ? 'has 1 peer but it is not responsive' : `has ${retained} peers but none are responsive`;
  const how =
    outcome === 'fail-fast'
      ? 'did not wait for a connection to open (fail-fast is enabled)'
      : `timed out waiting for a connection to open (fail-fast is not enabled): ${ending}`;
  return new ChooseError(PeerListErrorCode.NoAvailablePeers, `"${name}" peer list ${have}, ${how}`, outcome, retained, cause);
}
