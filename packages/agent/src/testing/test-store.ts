// A small replicated store for the cluster tests, standing in for the state
// store: it applies the catalog commands the leader's reconcile writes and KV
// sets (so tests can write from anywhere and read everywhere), and answers
// the catalog read view. Commands are tagged JSON. Not shipped.

import type { Log, FSM, FSMSnapshot, SnapshotSink, SnapshotSource } from '@shoal/raft';
import type { CatalogView } from '../cluster/catalog-plan.js';
import type { CommandEncoder } from '../cluster/command-encoder.js';
import { decodeTaggedJson, encodeTaggedJson } from '../cluster/tagged-json.js';
import type { Command } from '../state/commands.js';
import type { CatalogNode, HealthCheck } from '../state/records.js';

interface State {
  nodes: Record<string, CatalogNode>;
  /** By node, then check ID. */
  checks: Record<string, Record<string, HealthCheck>>;
  kv: Record<string, string>;
}

export class UnsupportedCommandError extends Error {
  readonly code = 'ERR_UNSUPPORTED_COMMAND';
}

export class TestStore implements FSM, CatalogView, CommandEncoder {
  #state: State = { nodes: {}, checks: {}, kv: {} };
  /** Every command applied, in order, with its index. */
  readonly applied: { index: number; command: Command }[] = [];

  encode(command: Command): Uint8Array {
    return encodeTaggedJson(command);
  }

  nodes(): readonly CatalogNode[] {
    return Object.values(this.#state.nodes);
  }

  nodeCheck(node: string, checkId: string): HealthCheck | undefined {
    return this.#state.checks[node]?.[checkId];
  }

  kvGet(key: string): string | undefined {
    return this.#state.kv[key];
  }

  apply(log: Log): unknown {
    const command = decodeTaggedJson(log.data) as Command;
    this.applied.push({ index: log.index, command });
    const state = this.#state;
    switch (command.type) {
      case 'kv': {
        if (command.op.verb !== 'set') return new UnsupportedCommandError(`the test store has no kv ${command.op.verb}`);
        state.kv[command.op.key] = Buffer.from(command.op.value ?? new Uint8Array()).toString('utf8');
        return true;
      }
      case 'register': {
        const { node } = command;
        const existing = state.nodes[node.node];
        state.nodes[node.node] = {
          node: node.node,
          id: node.id,
          address: node.address,
          datacenter: node.datacenter,
          meta: node.meta ?? existing?.meta ?? {},
          taggedAddresses: node.taggedAddresses ?? existing?.taggedAddresses ?? {},
          createIndex: existing?.createIndex ?? log.index,
          modifyIndex: log.index,
        };
        const checks = (state.checks[node.node] ??= {});
        for (const c of command.checks ?? []) {
          checks[c.checkId] = {
            node: node.node,
            checkId: c.checkId,
            name: c.name,
            status: c.status,
            notes: c.notes,
            output: c.output,
            serviceId: c.serviceId,
            serviceName: '',
            serviceTags: [],
            type: c.type,
            createIndex: checks[c.checkId]?.createIndex ?? log.index,
            modifyIndex: log.index,
          };
        }
        return true;
      }
      case 'deregister': {
        if (command.checkId !== undefined) delete state.checks[command.node]?.[command.checkId];
        else if (command.serviceId === undefined) {
          delete state.nodes[command.node];
          delete state.checks[command.node];
        }
        return true;
      }
      default:
        return new UnsupportedCommandError(`the test store has no ${command.type}`);
    }
  }

  snapshot(): FSMSnapshot {
    const bytes = encodeTaggedJson(this.#state);
    return {
      async persist(sink: SnapshotSink): Promise<void> {
        await sink.write(bytes);
        await sink.close();
      },
      release() {},
    };
  }

  async restore(source: SnapshotSource): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    this.#state = decodeTaggedJson(Buffer.concat(chunks)) as State;
  }
}
