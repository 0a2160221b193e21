// /v1/catalog/* and /v1/health/*: blocking reads of the catalog.
import { catalogNode, catalogNodes, catalogService, catalogServices, healthChecks, healthNode, healthService } from '../state/queries.js';
import { HttpError, flag, jsonResponse, type ApiRequest, type ApiResponse } from './api.js';
import { blockingRead } from './blocking.js';
import type { ApiContext } from './context.js';
import { agentServiceJson, checkJson, healthEntryJson, nodeJson, serviceNodeJson } from './consul-json.js';

function named(name: string, what: string): string {
  if (name === '') throw new HttpError(400, `Missing ${what} name`);
  return name;
}

export async function catalogNodesHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, catalogNodes());
  return jsonResponse(JSON.stringify(r.value.map(nodeJson)), 200, r.headers);
}

export async function catalogNodeHandler(ctx: ApiContext, req: ApiRequest, node: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, catalogNode(named(node, 'node')));
  const body = r.value && {
    Node: nodeJson(r.value.node),
    Services: Object.fromEntries(r.value.services.map((s) => [s.id, agentServiceJson(s, r.value!.node.datacenter)])),
  };
  return jsonResponse(JSON.stringify(body ?? null), 200, r.headers);
}

export async function catalogServicesHandler(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, catalogServices());
  return jsonResponse(JSON.stringify(Object.fromEntries(r.value)), 200, r.headers);
}

export async function catalogServiceHandler(ctx: ApiContext, req: ApiRequest, name: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, catalogService(named(name, 'service'), req.query.getAll('tag')));
  return jsonResponse(JSON.stringify(r.value.map(serviceNodeJson)), 200, r.headers);
}

export async function healthServiceHandler(ctx: ApiContext, req: ApiRequest, name: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, healthService(named(name, 'service'), req.query.getAll('tag'), flag(req, 'passing')));
  return jsonResponse(JSON.stringify(r.value.map(healthEntryJson)), 200, r.headers);
}

export async function healthNodeHandler(ctx: ApiContext, req: ApiRequest, node: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, healthNode(named(node, 'node')));
  return jsonResponse(JSON.stringify(r.value.map(checkJson)), 200, r.headers);
}

export async function healthChecksHandler(ctx: ApiContext, req: ApiRequest, service: string): Promise<ApiResponse> {
  const r = await blockingRead(ctx, req, healthChecks(named(service, 'service')));
  return jsonResponse(JSON.stringify(r.value.map(checkJson)), 200, r.headers);
}
