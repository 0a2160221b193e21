// The shoal agent dashboard: plain DOM, no framework. Members (with each
// one's health score, from its gossip tags) and raft are polled each second
// (the agent's own view); the KV listing and the services follow the
// agent's blocking queries (?index=&wait=), so changes show as they commit.
// Every request goes to the agent that served the page.

const $ = (id) => document.getElementById(id);
const MEMBER_STATUS = { 0: 'none', 1: 'alive', 2: 'leaving', 3: 'left', 4: 'failed' };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A table row of cells: strings, or [text, class] pairs. */
function row(cells, attrs = {}) {
  const tr = document.createElement('tr');
  for (const [name, value] of Object.entries(attrs)) tr.setAttribute(name, value);
  for (const cell of cells) {
    const td = document.createElement('td');
    const [text, cls] = Array.isArray(cell) ? cell : [cell, ''];
    td.textContent = String(text);
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}

function connected(ok, message = '') {
  $('conn').textContent = ok ? 'live' : `reconnecting… ${message}`;
}

async function getJson(path, signal) {
  const res = await fetch(path, { signal });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return { body: await res.json(), index: res.headers.get('x-consul-index') };
}

/**
 * A member's health score: this agent's own live one, another's as it last
 * gossiped it (the health_score tag), or null when unknown.
 */
function healthScoreOf(m, self) {
  if (m.Name === self.Node && Number.isInteger(self.HealthScore)) return self.HealthScore;
  const tag = m.Tags?.health_score;
  return typeof tag === 'string' && /^\d{1,15}$/.test(tag) ? Number(tag) : null;
}

function healthCell(score, status) {
  if (score === null) return ['—', 'health'];
  const text = status === 'alive' ? String(score) : `${score} (last)`;
  return [text, score === 0 ? 'health health-ok' : 'health health-degraded'];
}

function renderMembers(members, self) {
  const rows = [...members]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((m) => {
      const status = MEMBER_STATUS[m.Status] ?? String(m.Status);
      const score = healthScoreOf(m, self);
      const role = m.Tags?.role === 'consul' ? 'server' : 'client';
      return row([m.Name, `${m.Addr}:${m.Port}`, role, [status, `status status-${status}`], healthCell(score, status)], {
        'data-member': m.Name,
        'data-status': status,
        'data-health-score': score === null ? '' : String(score),
      });
    });
  $('members').replaceChildren(...rows);
}

/** `leader`: the leader's view (its match indexes), when this agent's raft is not the leader; null when none. */
function renderRaft(raft, leader) {
  const dl = $('raft');
  if (raft === null) {
    dl.replaceChildren(Object.assign(document.createElement('dd'), { textContent: 'not a server' }));
    $('raft-servers').replaceChildren();
    return;
  }
  const facts = [
    ['Role', raft.State],
    ['Term', raft.Term],
    ['Commit index', raft.CommitIndex],
    ['Applied index', raft.AppliedIndex],
    ['Last index', raft.LastIndex],
    ['Leader', raft.Leader || '(none)'],
  ];
  dl.replaceChildren(
    ...facts.flatMap(([k, v]) => {
      const dt = Object.assign(document.createElement('dt'), { textContent: k });
      const dd = Object.assign(document.createElement('dd'), { textContent: String(v) });
      if (k === 'Role') dd.className = `status status-${String(v).toLowerCase()}`;
      dd.dataset.raft = k;
      return [dt, dd];
    }),
  );
  const leaderMatch = new Map((leader?.Servers ?? []).map((s) => [s.ID, s.MatchIndex]));
  const matchOf = (s) => s.MatchIndex ?? leaderMatch.get(s.ID) ?? null;
  $('raft-servers').replaceChildren(
    ...raft.Servers.map((s) => {
      const match = matchOf(s);
      return row([s.ID, s.Address, s.Voter ? 'yes' : 'no', match ?? '—'], { 'data-server': s.ID, 'data-match-index': match === null ? '' : String(match) });
    }),
  );
}

async function pollAgent() {
  for (;;) {
    try {
      const [members, self] = await Promise.all([getJson('/v1/agent/members'), getJson('/v1/internal/ui/agent')]);
      $('node').textContent = `· ${self.body.Node} · ${self.body.Datacenter}`;
      renderMembers(members.body, self.body);
      const raft = self.body.Raft;
      // Only the leader knows the match indexes: a follower's page asks for the leader's view.
      const leader = raft !== null && raft.State !== 'Leader' ? (await getJson('/v1/internal/ui/leader')).body : null;
      renderRaft(raft, leader);
      connected(true);
    } catch (error) {
      connected(false, String(error.message ?? error));
    }
    await sleep(1000);
  }
}

function decodeValue(b64) {
  if (b64 === null || b64 === undefined) return '';
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** Runs `fetchOnce(index)` as a blocking query loop: each answer is rendered, and the next waits on its index. */
async function follow(fetchOnce) {
  let index = '0';
  for (;;) {
    try {
      const next = await fetchOnce(index);
      // An index that goes back (a new leader's store) starts over, as Consul's clients do.
      index = next !== null && Number(next) >= Number(index) ? next : '0';
    } catch (error) {
      connected(false, String(error.message ?? error));
      index = '0';
      await sleep(1000);
    }
  }
}

async function kvOnce(index) {
  const { body, index: next } = await getJson(`/v1/internal/ui/kv?index=${index}&wait=30s`);
  $('kv').replaceChildren(...body.map((e) => row([e.Key, [decodeValue(e.Value), 'value'], e.ModifyIndex], { 'data-key': e.Key })));
  return next;
}

async function servicesOnce(index) {
  // Health changes do not move the catalog's index: wait at most 5 s, then look again.
  const { body, index: next } = await getJson(`/v1/catalog/services?index=${index}&wait=5s`);
  const names = Object.keys(body).sort();
  const healths = await Promise.all(names.map((name) => getJson(`/v1/health/service/${encodeURIComponent(name)}`)));
  const rows = [];
  names.forEach((name, i) => {
    for (const entry of healths[i].body) {
      const checks = entry.Checks.map((c) => `${c.Name}: ${c.Status}`).join(', ') || 'no checks';
      const worst = entry.Checks.some((c) => c.Status === 'critical') ? 'critical' : entry.Checks.some((c) => c.Status === 'warning') ? 'warning' : 'passing';
      rows.push(row([name, entry.Node.Node, `${entry.Service.Address || entry.Node.Address}:${entry.Service.Port}`, [checks, `status status-${worst}`]], { 'data-service': name }));
    }
  });
  $('services').replaceChildren(...rows);
  return next;
}

$('kv').addEventListener('click', (event) => {
  const tr = event.target.closest('tr[data-key]');
  if (!tr) return;
  $('kv-key').value = tr.dataset.key;
  $('kv-value').value = tr.querySelector('td.value').textContent;
});

$('kv-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('kv-key').value.trim();
  const status = $('kv-status');
  if (key === '') return;
  status.textContent = 'saving…';
  try {
    const path = key.split('/').map(encodeURIComponent).join('/');
    const res = await fetch(`/v1/kv/${path}`, { method: 'PUT', body: $('kv-value').value });
    status.textContent = res.ok ? `saved ${key}` : `not saved: ${res.status} ${await res.text()}`;
  } catch (error) {
    status.textContent = `not saved: ${String(error.message ?? error)}`;
  }
});

void pollAgent();
void follow(kvOnce);
void follow(servicesOnce);
