// An agent's Lifeguard health score reaches the others through its gossip
// tags, on loopback with real memberlist: two client agents a and b; b stops
// without leaving, so a's probes of it fail with nobody to ask for an
// indirect probe (Lifeguard counts each such failure against a's own
// health); a publishes its raised score; a third agent joining later reads
// it in a's tags, and /v1/agent/members shows it as the health_score tag.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFileSystem } from '@shoal/kit';
import { ClusterAgent } from './cluster-agent.js';

const WAIT_MS = 20_000;

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
}

async function startClient(root: string, name: string, join?: string[]): Promise<ClusterAgent> {
  const dataFs = new NodeFileSystem(`${root}/${name}`);
  await dataFs.mkdir('', { recursive: true });
  return ClusterAgent.start({
    name,
    dataFs,
    gossip: { bind: { host: '127.0.0.1', port: 0 }, profile: 'local' },
    join,
    http: '127.0.0.1:0',
    // Samples often; publishes the first change at once and no other within the test.
    timing: { tickMs: 100, healthScorePublishMs: 600_000 },
  });
}

const healthScoreOf = (agent: ClusterAgent, name: string): number | undefined => agent.members().find((m) => m.name === name)?.tags.healthScore;

test('health score over gossip: a raised score is published in the tags and read by an agent that joins later', { timeout: 60_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-health-gossip-'));
  const started: ClusterAgent[] = [];
  try {
    const a = await startClient(root, 'a');
    started.push(a);
    const b = await startClient(root, 'b', [a.addresses.gossip]);
    started.push(b);
    await waitFor('a and b see each other', () => (a.members().length === 2 && b.members().length === 2 ? true : undefined));
    // 0 unless a probe already failed on a loaded machine; known either way.
    assert.equal(typeof healthScoreOf(b, 'a'), 'number', 'b reads a\'s score from its tags');

    await b.stop();
    const published = await waitFor('a publishes a raised health score', () => {
      const score = healthScoreOf(a, 'a');
      return score !== undefined && score > 0 ? score : undefined;
    });

    const c = await startClient(root, 'c', [a.addresses.gossip]);
    started.push(c);
    assert.equal(healthScoreOf(c, 'a'), published, 'the joining agent reads a\'s published score from its tags');
    const response = await fetch(`http://${c.addresses.http}/v1/agent/members`);
    const members = (await response.json()) as { Name: string; Tags: Record<string, string> }[];
    assert.equal(members.find((m) => m.Name === 'a')?.Tags.health_score, String(published));
  } finally {
    for (const agent of started.reverse()) await agent.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
