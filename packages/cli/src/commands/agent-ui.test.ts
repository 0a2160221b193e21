// The agent's dashboard at /ui/ (issue 16 item 6) in headless Chromium:
// three `shoal agent --server` processes; the page, opened on one of them,
// loads without console errors, shows three members alive, each with a health
// score, raft's state and a service with its health,
// shows a SIGKILLed member turning failed, and a KV edit made in the page is
// read back through the HTTP API. Chromium is Debian's package (scripts/
// setup.sh installs it), driven by puppeteer-core. SHOAL_UI_SCREENSHOT=<file.png>
// saves a screenshot of the page at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { AgentCluster, httpCall } from '../testing/agent-cluster.js';

const CHROMIUM = process.env.SHOAL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

/** Waits until `text` of the page's element `selector` satisfies `ok`. */
async function waitForText(page: Page, selector: string, ok: (text: string) => boolean, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await page.$eval(selector, (el) => el.textContent ?? '').catch(() => '');
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
}

async function memberStatuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#members tr[data-member]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-member'), r.getAttribute('data-status')])));
}

/** Each member row's health score cell, by member name. */
async function healthScores(page: Page): Promise<Record<string, string>> {
  return page.$$eval('#members tr[data-member]', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-member'), r.querySelector('td.health')?.textContent ?? ''])));
}

/** Waits until what `read` reads of the members table satisfies `ok`. */
async function waitForRows(read: () => Promise<Record<string, string>>, ok: (m: Record<string, string>) => boolean, timeoutMs: number, what: string): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, string> = {};
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; members ${JSON.stringify(last)}`);
}

const waitForMembers = (page: Page, ok: (m: Record<string, string>) => boolean, timeoutMs: number, what: string): Promise<Record<string, string>> =>
  waitForRows(() => memberStatuses(page), ok, timeoutMs, what);

const isScore = (text: string | undefined): boolean => text !== undefined && /^\d+$/.test(text);

test(`dashboard at /ui/ in headless ${CHROMIUM ?? 'Chromium (missing: run scripts/setup.sh)'}: three members, a killed one failed, a KV edit read back`, { timeout: 90_000 }, async () => {
  assert.ok(CHROMIUM, 'no Chromium: scripts/setup.sh installs Debian\'s chromium package');
  const root = await mkdtemp(join(tmpdir(), 'shoal-agent-ui-'));
  let cluster: AgentCluster | undefined;
  let browser: Browser | undefined;
  try {
    cluster = await AgentCluster.start({ root });
    const leader = await cluster.waitForLeader(30_000);
    // The page on a follower; a different follower is killed, so the page's agent and the leader stay.
    const followers = cluster.servers.filter((s) => s !== leader);
    const [home, victim] = [followers[0]!, followers[1]!];

    const redirect = await httpCall(home.http, 'GET', '/', undefined, 5000);
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/ui/');

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 30_000,
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${String(e)}`));
    page.on('requestfailed', (r) => consoleErrors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`));

    const response = await page.goto(`http://${home.http}/ui/`, { waitUntil: 'load', timeout: 20_000 });
    assert.equal(response?.status(), 200);
    assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);

    // Three members, all alive; raft's view with a role and a term.
    const names = cluster.servers.map((s) => s.name).sort();
    await waitForMembers(page, (m) => names.every((n) => m[n] === 'alive') && Object.keys(m).length === 3, 20_000, 'three members alive');
    // A health score for each: the page's own agent's live, the others' from their gossip tags.
    await waitForRows(() => healthScores(page), (h) => names.every((n) => isScore(h[n])), 10_000, 'a health score for each member');
    const apiMembers = JSON.parse((await httpCall(home.http, 'GET', '/v1/agent/members', undefined, 5000)).body) as { Name: string; Tags: Record<string, string> }[];
    assert.deepEqual(apiMembers.map((m) => [m.Name, isScore(m.Tags.health_score)]), names.map((n) => [n, true]), JSON.stringify(apiMembers));
    await waitForText(page, '#raft [data-raft="Role"]', (t) => t === 'Follower', 10_000, 'raft role');
    const term = Number(await waitForText(page, '#raft [data-raft="Term"]', (t) => Number(t) >= 1, 10_000, 'raft term'));
    assert.ok(term >= 1);
    assert.equal(await page.$$eval('#raft-servers tr', (rows) => rows.length), 3);
    assert.deepEqual(consoleErrors, [], 'console errors on load');
    // Only the leader knows each server's match index: this follower's page shows the leader's.
    await waitForRows(
      () => page.$$eval('#raft-servers tr', (rows) => Object.fromEntries(rows.map((r) => [r.getAttribute('data-server') ?? '', r.getAttribute('data-match-index') ?? '']))),
      (m) => names.every((n) => /^[1-9]\d*$/.test(m[n] ?? '')),
      10_000,
      'a match index for each server, from the leader',
    );
    const leaderView = JSON.parse((await httpCall(leader.http, 'GET', '/v1/internal/ui/agent', undefined, 5000)).body) as { Raft: { State: string; Servers: { ID: string; MatchIndex: number | null }[] } };
    assert.equal(leaderView.Raft.State, 'Leader');
    assert.deepEqual(leaderView.Raft.Servers.map((x) => x.ID).sort(), names);
    assert.ok(leaderView.Raft.Servers.every((x) => typeof x.MatchIndex === 'number' && x.MatchIndex > 0), JSON.stringify(leaderView));

    // A service with a TTL check shows with its health.
    const reg = await httpCall(home.http, 'PUT', '/v1/agent/service/register', JSON.stringify({ Name: 'web', Port: 8080, Check: { CheckID: 'web-ttl', TTL: '60s' } }), 5000);
    assert.equal(reg.status, 200, reg.body);
    assert.equal((await httpCall(home.http, 'PUT', '/v1/agent/check/pass/web-ttl', undefined, 5000)).status, 200);
    await waitForText(page, '#services', (t) => t.includes('web') && t.includes('passing'), 20_000, 'service web passing');

    // A KV edit in the page, read back through the API.
    await page.type('#kv-key', 'ui/greeting');
    await page.type('#kv-value', 'hello from the dashboard');
    await page.click('#kv-save');
    await waitForText(page, '#kv-status', (t) => t.startsWith('saved') || t.startsWith('not saved'), 15_000, 'kv save');
    assert.equal(await page.$eval('#kv-status', (el) => el.textContent), 'saved ui/greeting');
    const read = await httpCall(leader.http, 'GET', '/v1/kv/ui/greeting?raw', undefined, 5000);
    assert.equal(read.status, 200);
    assert.equal(read.body, 'hello from the dashboard');
    // ...and the page's blocking query shows it.
    await waitForText(page, '#kv', (t) => t.includes('hello from the dashboard'), 15_000, 'kv listing');

    // A SIGKILLed member turns failed.
    await cluster.kill(victim.name);
    await waitForMembers(page, (m) => m[victim.name] === 'failed', 45_000, `${victim.name} failed`);
    const statuses = await memberStatuses(page);
    assert.equal(statuses[home.name], 'alive');
    assert.equal(statuses[leader.name], 'alive');
    assert.match((await healthScores(page))[victim.name] ?? '', /^\d+ \(last\)$/, 'a failed member shows its last score');
    assert.deepEqual(consoleErrors, [], 'console errors');

    const screenshot = process.env.SHOAL_UI_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
  } finally {
    await browser?.close().catch(() => undefined);
    await cluster?.killAll();
    await rm(root, { recursive: true, force: true });
  }
});
