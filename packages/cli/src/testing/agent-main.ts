// `shoal agent` as a process, built with the agent's test store and test
// HTTP API, for the CLI tests that spawn agents (the real store and API are
// the agent package's state and HTTP layers). Run from source:
//   node --conditions=source --import tsx packages/cli/src/testing/agent-main.ts agent --name ...
// The agent's test support is not published, so it is reached by path.
import { startTestHttp, TestStore } from '../../../agent/src/testing/index.js';
import { agentCommandWith } from '../commands/agent.js';
import { runAsProcess } from '../process.js';

runAsProcess([
  agentCommandWith({
    encoder: new TestStore(),
    createServerStore: () => {
      const store = new TestStore();
      return { fsm: store, catalog: store };
    },
    http: (bind) => startTestHttp(undefined, bind),
  }),
]);
