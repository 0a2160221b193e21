// The seam for client agents: an agent without a store answers /v1/agent/*
// itself and hands every other request to a server. The cluster layer
// implements it; dev mode never needs it.
import type { ApiRequest, ApiResponse } from './http/api.js';

export interface Forwarder {
  /** Sends `request` to a server and returns its answer as it is (status, headers, body). */
  forward(request: ApiRequest): Promise<ApiResponse>;
}
