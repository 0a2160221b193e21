import { fromUtf8, utf8 } from '@shoal/kit';
import { ipPortString, type Memberlist, type Node } from '@shoal/memberlist';

const text = (b: Uint8Array): string => fromUtf8(b);

/** One line of `shoal member --commands` input (see its usage): runs it and prints what happened. */
export async function runStdinCommand(
  list: Memberlist,
  line: string,
  print: (obj: Record<string, unknown>) => void,
  set: { setMeta(m: Uint8Array): void; setState(s: Uint8Array): void },
): Promise<void> {
  if (line === '') return;
  const [verb, ...rest] = line.split(' ');
  const find = (name: string | undefined): Node => {
    const node = list.members().find((m) => m.name === name);
    if (!node) throw new Error(`no member '${name}'`);
    return node;
  };
  switch (verb) {
    case 'send-reliable':
      await list.sendReliable(find(rest[0]), utf8(rest.slice(1).join(' ')));
      print({ event: 'sent', to: rest[0] });
      return;
    case 'send-best-effort':
      list.sendBestEffort(find(rest[0]), utf8(rest.slice(1).join(' ')));
      print({ event: 'sent', to: rest[0] });
      return;
    case 'update-meta':
      set.setMeta(utf8(rest.join(' ')));
      await list.updateNode(5000);
      print({ event: 'updated' });
      return;
    case 'set-state':
      set.setState(utf8(rest.join(' ')));
      print({ event: 'state-set' });
      return;
    case 'members':
      print({ event: 'members', members: list.members().map((m) => ({ name: m.name, addr: ipPortString(m.addr, m.port), meta: text(m.meta) })) });
      return;
    case 'leave':
      await list.leave(Number(rest[0] ?? 5000));
      print({ event: 'left' });
      return;
    default:
      throw new Error(`unknown command '${verb}'`);
  }
}
