// The dashboard's static files at /ui/: the package's ui/ folder (shipped
// beside dist/), read once and kept; `/` and `/ui` redirect to it as Consul's
// do. The page itself is plain HTML, CSS and one JS module: no build step.
import { readFileSync } from 'node:fs';
import { textResponse, type ApiResponse } from './api.js';
import type { ApiContext } from './context.js';

/** From src/http/ and from dist/http/ alike: the package's ui/ folder. */
const UI_DIR = new URL('../../ui/', import.meta.url);

// A Map, not an object: a name from the URL such as `__proto__` or `constructor` must find nothing.
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['dashboard.js', 'text/javascript; charset=utf-8'],
  ['dashboard.css', 'text/css; charset=utf-8'],
]);

const cache = new Map<string, Buffer>();

function asset(name: string): Buffer {
  let bytes = cache.get(name);
  if (bytes === undefined) {
    bytes = readFileSync(new URL(name, UI_DIR));
    cache.set(name, bytes);
  }
  return bytes;
}

/** GET /ui/<asset>; the empty name is the page. */
export function uiAssetHandler(_ctx: ApiContext, _req: unknown, arg: string): ApiResponse {
  const name = arg === '' ? 'index.html' : arg;
  const contentType = ASSETS.get(name);
  if (contentType === undefined) return textResponse(404, '');
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-cache' }, body: asset(name) };
}

/** GET / and GET /ui: to the dashboard. */
export function uiRedirectHandler(): ApiResponse {
  return { status: 301, headers: { location: '/ui/', 'content-type': 'text/plain; charset=utf-8' }, body: 'Moved Permanently: /ui/\n' };
}

