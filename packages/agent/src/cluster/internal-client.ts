// The sending side's transport for the internal endpoints: one POST to an
// agent's HTTP address. The real one is real-internal-client.ts (node:http);
// tests pass fakes.

export interface InternalClient {
  /**
   * POSTs `body` to http://TARGET/PATH and resolves with the answer's status
   * and body, whatever the status. Rejects with TargetUnreachableError when no
   * connection was made (the request cannot have arrived: safe to send
   * elsewhere), with the signal's reason when aborted, and with any other
   * error when the request may have arrived but no answer came back.
   */
  post(target: string, path: string, body: Uint8Array, options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ status: number; body: Uint8Array }>;
}
