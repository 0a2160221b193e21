// Services, TTL checks, catalog, health, agent and status endpoints over real HTTP against a dev agent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestAgent, type TestAgent } from '../testing/test-agent.js';

let a: TestAgent;
before(async () => (a = await startTestAgent('node-c')));
after(() => a.close());

interface HealthJson {
  Node: { Node: string };
  Service: { ID: string; Service: string; Tags: string[]; Port: number };
  Checks: { CheckID: string; Status: string; Output: string; ServiceID: string; ServiceName: string }[];
}

const register = (body: object): Promise<{ status: number; text: string }> => a.call('PUT', '/v1/agent/service/register', JSON.stringify(body));

test('the dev agent is in the catalog with a passing serfHealth, and is its own leader and member', async () => {
  const nodes = (await a.call('GET', '/v1/catalog/nodes')).json<{ Node: string; Address: string; Datacenter: string }[]>();
  assert.deepEqual(nodes.map((n) => [n.Node, n.Address, n.Datacenter]), [['node-c', '127.0.0.1', 'dc1']]);
  const checks = (await a.call('GET', '/v1/health/node/node-c')).json<{ CheckID: string; Status: string }[]>();
  assert.deepEqual(checks.map((c) => [c.CheckID, c.Status]), [['serfHealth', 'passing']]);
  const leader = (await a.call('GET', '/v1/status/leader')).json<string>();
  assert.equal(leader, '127.0.0.1:8300');
  assert.deepEqual((await a.call('GET', '/v1/status/peers')).json(), [leader]);
  const members = (await a.call('GET', '/v1/agent/members')).json<{ Name: string; Status: number }[]>();
  assert.deepEqual(members.map((m) => [m.Name, m.Status]), [['node-c', 1]]);
  const self = (await a.call('GET', '/v1/agent/self')).json<{ Config: { NodeName: string; Datacenter: string; Server: boolean } }>();
  assert.deepEqual([self.Config.NodeName, self.Config.Datacenter, self.Config.Server], ['node-c', 'dc1', true]);
});

test('register a service with a TTL check: agent, catalog and health views; pass, warn, fail and update', async () => {
  assert.equal((await register({ Name: 'web', ID: 'web-1', Tags: ['v1', 'primary'], Port: 8080, Check: { TTL: '30s' } })).status, 200);
  const services = (await a.call('GET', '/v1/agent/services')).json<Record<string, { Service: string; Port: number }>>();
  assert.deepEqual(services['web-1'] && [services['web-1'].Service, services['web-1'].Port], ['web', 8080]);
  const agentChecks = (await a.call('GET', '/v1/agent/checks')).json<Record<string, { Status: string; ServiceID: string; Type: string }>>();
  assert.deepEqual(agentChecks['service:web-1'] && [agentChecks['service:web-1'].Status, agentChecks['service:web-1'].ServiceID, agentChecks['service:web-1'].Type], ['critical', 'web-1', 'ttl']);

  assert.deepEqual((await a.call('GET', '/v1/catalog/services')).json<Record<string, string[]>>().web, ['primary', 'v1']);
  const instances = (await a.call('GET', '/v1/catalog/service/web?tag=v1')).json<{ ServiceID: string; ServicePort: number; Node: string }[]>();
  assert.deepEqual(instances.map((i) => [i.ServiceID, i.ServicePort, i.Node]), [['web-1', 8080, 'node-c']]);
  assert.deepEqual((await a.call('GET', '/v1/catalog/service/web?tag=v9')).json(), []);
  const node = (await a.call('GET', '/v1/catalog/node/node-c')).json<{ Services: Record<string, { Service: string }> }>();
  assert.equal(node.Services['web-1']?.Service, 'web');
  assert.equal((await a.call('GET', '/v1/catalog/node/nobody')).text, 'null');

  assert.deepEqual((await a.call('GET', '/v1/health/service/web?passing')).json(), [], 'a TTL check starts critical');
  assert.equal((await a.call('PUT', '/v1/agent/check/pass/service:web-1?note=all%20good')).status, 200);
  const healthy = (await a.call('GET', '/v1/health/service/web?passing')).json<HealthJson[]>();
  assert.equal(healthy.length, 1);
  assert.deepEqual(healthy[0]!.Checks.map((c) => [c.CheckID, c.Status, c.Output]), [['serfHealth', 'passing', 'Agent alive and reachable'], ['service:web-1', 'passing', 'all good']]);
  await a.call('PUT', '/v1/agent/check/warn/service:web-1');
  assert.deepEqual((await a.call('GET', '/v1/health/service/web?passing')).json(), [], 'warning is not passing');
  await a.call('PUT', '/v1/agent/check/update/service:web-1', JSON.stringify({ Status: 'passing', Output: 'via update' }));
  const checks = (await a.call('GET', '/v1/health/checks/web')).json<{ Status: string; Output: string; ServiceName: string }[]>();
  assert.deepEqual(checks.map((c) => [c.Status, c.Output, c.ServiceName]), [['passing', 'via update', 'web']]);
  await a.call('PUT', '/v1/agent/check/fail/service:web-1?note=down');
  assert.equal((await a.call('GET', '/v1/health/checks/web')).json<{ Status: string }[]>()[0]!.Status, 'critical');
});

test('a TTL check not updated within its TTL turns critical with "TTL expired"', async () => {
  await register({ Name: 'short', Check: { TTL: '400ms', Status: 'passing' } });
  assert.equal((await a.call('GET', '/v1/health/service/short?passing')).json<unknown[]>().length, 1);
  const deadline = performance.now() + 10_000;
  let output = '';
  while (performance.now() < deadline) {
    const [c] = (await a.call('GET', '/v1/health/checks/short')).json<{ Status: string; Output: string }[]>();
    if (c?.Status === 'critical') {
      output = c.Output;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(output, 'TTL expired');
});

test('several checks are numbered service:<id>:<n>; deregister removes service and checks', async () => {
  await register({ Name: 'api', Checks: [{ TTL: '30s' }, { TTL: '30s', Name: 'second' }] });
  const ids = Object.keys((await a.call('GET', '/v1/agent/checks')).json<object>()).filter((id) => id.startsWith('service:api'));
  assert.deepEqual(ids.sort(), ['service:api:1', 'service:api:2']);
  assert.equal((await a.call('PUT', '/v1/agent/service/deregister/api')).status, 200);
  assert.deepEqual((await a.call('GET', '/v1/health/checks/api')).json(), []);
  assert.equal((await a.call('GET', '/v1/catalog/services')).json<Record<string, unknown>>().api, undefined);
  assert.equal((await a.call('PUT', '/v1/agent/service/deregister/api')).status, 404);
});

test('a blocking health query returns when a check changes', async () => {
  await register({ Name: 'watched', Check: { TTL: '60s' } });
  const index = (await a.call('GET', '/v1/health/service/watched')).headers.get('x-consul-index');
  const pending = a.call('GET', `/v1/health/service/watched?index=${index}&wait=20s`);
  await new Promise((r) => setTimeout(r, 50));
  await a.call('PUT', '/v1/agent/check/pass/service:watched');
  const r = await pending;
  assert.ok(Number(r.headers.get('x-consul-index')) > Number(index));
  assert.equal(r.json<HealthJson[]>()[0]!.Checks.find((c) => c.ServiceID === 'watched')!.Status, 'passing');
});

test('bad registrations and unknown checks', async () => {
  assert.equal((await register({})).status, 400, 'no Name');
  assert.equal((await register({ Name: 'x', Check: { HTTP: 'http://localhost', Interval: '10s' } })).status, 400, 'not a TTL check');
  assert.equal((await register({ Name: 'x', Port: 'eighty' })).status, 400);
  assert.equal((await a.call('PUT', '/v1/agent/service/register', '[')).status, 400);
  assert.equal((await a.call('PUT', '/v1/agent/check/pass/nope')).status, 404);
  assert.equal((await a.call('PUT', '/v1/agent/check/update/service:web-1', '{"Status":"sunny"}')).status, 400);
  assert.equal((await a.call('GET', '/v1/agent/check/pass/service:web-1')).status, 405);
});
