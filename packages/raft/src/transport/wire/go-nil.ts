/**
 * Go tells a nil slice (written 0xc0) from an empty one (0xa0 or 0x90), and
 * raft relies on both: a heartbeat's Entries is nil, a replication request
 * with nothing to send has an empty Entries. The message types use plain
 * arrays, so nil is a marker object: the shared EMPTY_BYTES for byte fields
 * and NIL_ENTRIES for entry lists. Any other zero-length value is Go's empty
 * slice.
 */
import { t, type MsgType, type Reader, type Writer } from '@shoal/kit';
import { EMPTY_BYTES, type Log } from '../../log.js';

/** Go's nil []*Log: what a heartbeat carries. */
export const NIL_ENTRIES: Log[] = Object.freeze([]) as unknown as Log[];

/** Whether `bytes` stands for Go's nil []byte. */
export function isNilBytes(bytes: Uint8Array): boolean {
  return bytes === EMPTY_BYTES;
}

/** Go `[]byte`: EMPTY_BYTES ⇄ nil; written in the str family as go-msgpack does; decodes str, bin or nil. */
export const goBytes: MsgType<Uint8Array> = t.custom<Uint8Array>({
  kind: 'goBytes',
  encode(w: Writer, value: Uint8Array): void {
    t.bytes.encode(w, value === EMPTY_BYTES ? undefined : value);
  },
  decode(r: Reader): Uint8Array {
    const value = t.bytes.decode(r);
    if (value === undefined) return EMPTY_BYTES;
    return value.length === 0 ? new Uint8Array(0) : value;
  },
  zero: () => EMPTY_BYTES,
  isEmpty: (value) => value.length === 0,
});

/** Go `[]*Log` with NIL_ENTRIES ⇄ nil. */
export function goEntries(log: MsgType<Log>): MsgType<Log[]> {
  const list = t.array(log);
  return t.custom<Log[]>({
    kind: `goEntries(${log.kind})`,
    encode(w: Writer, value: Log[]): void {
      list.encode(w, value === NIL_ENTRIES ? undefined : value);
    },
    decode: (r: Reader): Log[] => list.decode(r) ?? NIL_ENTRIES,
    zero: () => NIL_ENTRIES,
    isEmpty: (value) => value.length === 0,
  });
}
