/**
 * Just enough DER (X.690) to read a certificate's subject common name, the
 * one field the transport needs that node:crypto does not hand out
 * unescaped. A full X.509 parser (@peculiar/x509) took 1.2–1.9 ms per
 * certificate here, and every node meets each peer's certificate on its first
 * connection to it; this walk takes microseconds. It trusts nothing: the
 * caller has verified the certificate's signature (verify.ts) or only uses the
 * name for display and tie-breaks (pool.ts).
 *
 * Total: any bytes give a string or undefined, never an exception, and nothing
 * is allocated beyond the returned string. Only DER's definite lengths (at most
 * four length bytes) and single-byte tags are accepted; anything else means
 * "no readable CN".
 */

/** One element: its tag and where its contents lie in the buffer. */
interface Element {
  tag: number;
  start: number;
  end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const OID = 0x06;
const VERSION = 0xa0; // [0] EXPLICIT, optional in TBSCertificate
const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
const TELETEX_STRING = 0x14;
const IA5_STRING = 0x16;
const UNIVERSAL_STRING = 0x1c;
const BMP_STRING = 0x1e;
/** id-at-commonName, 2.5.4.3, as DER contents. */
const CN_OID = [0x55, 0x04, 0x03];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The element at `off`, which must end by `limit`; undefined when it does not parse. */
function element(der: Uint8Array, off: number, limit: number): Element | undefined {
  if (off + 2 > limit) return undefined;
  const tag = der[off]!;
  if ((tag & 0x1f) === 0x1f) return undefined; // a multi-byte tag: not in the fields read here
  let len = der[off + 1]!;
  let start = off + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) return undefined; // indefinite, or absurdly long
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + der[start++]!;
  }
  if (len > limit - start) return undefined;
  return { tag, start, end: start + len };
}

function expect(der: Uint8Array, off: number, limit: number, tag: number): Element | undefined {
  const e = element(der, off, limit);
  return e?.tag === tag ? e : undefined;
}

/** The first CN of the certificate's subject (as @peculiar/x509's `subjectName.getField('CN')[0]`), or undefined. */
export function subjectCommonNameOfDer(der: Uint8Array): string | undefined {
  const certificate = expect(der, 0, der.length, SEQUENCE);
  if (certificate === undefined) return undefined;
  const tbs = expect(der, certificate.start, certificate.end, SEQUENCE);
  if (tbs === undefined) return undefined;
  let at = tbs.start;
  const first = element(der, at, tbs.end);
  if (first === undefined) return undefined;
  if (first.tag === VERSION) at = first.end;
  // serialNumber, signature, issuer, validity: skipped; then the subject.
  for (const tag of [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE]) {
    const skipped = expect(der, at, tbs.end, tag);
    if (skipped === undefined) return undefined;
    at = skipped.end;
  }
  const subject = expect(der, at, tbs.end, SEQUENCE);
  if (subject === undefined) return undefined;
  for (let rdnAt = subject.start; rdnAt < subject.end; ) {
    const rdn = expect(der, rdnAt, subject.end, SET);
    if (rdn === undefined) return undefined;
    for (let atvAt = rdn.start; atvAt < rdn.end; ) {
      const atv = expect(der, atvAt, rdn.end, SEQUENCE);
      if (atv === undefined) return undefined;
      const type = expect(der, atv.start, atv.end, OID);
      if (type === undefined) return undefined;
      if (isCommonName(der, type)) {
        const value = element(der, type.end, atv.end);
        return value === undefined ? undefined : directoryString(der, value);
      }
      atvAt = atv.end;
    }
    rdnAt = rdn.end;
  }
  return undefined;
}

function isCommonName(der: Uint8Array, type: Element): boolean {
  if (type.end - type.start !== CN_OID.length) return false;
  for (let i = 0; i < CN_OID.length; i++) if (der[type.start + i] !== CN_OID[i]) return false;
  return true;
}

/** A DirectoryString (or IA5String) value as text; undefined for other types and for bytes invalid in the declared encoding. */
function directoryString(der: Uint8Array, value: Element): string | undefined {
  const bytes = der.subarray(value.start, value.end);
  switch (value.tag) {
    case UTF8_STRING:
      try {
        return utf8.decode(bytes);
      } catch {
        return undefined;
      }
    case PRINTABLE_STRING:
    case IA5_STRING:
      for (const b of bytes) if (b > 0x7f) return undefined;
      return latin1(bytes);
    case TELETEX_STRING:
      // T.61 in theory; in practice certificates put Latin-1 here.
      return latin1(bytes);
    case BMP_STRING: {
      if (bytes.length % 2 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
      return s;
    }
    case UNIVERSAL_STRING: {
      if (bytes.length % 4 !== 0) return undefined;
      let s = '';
      for (let i = 0; i < bytes.length; i += 4) {
        const cp = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
        if (cp > 0x10ffff) return undefined;
        // Some writers (@peculiar/x509 among them) put UTF-16 surrogates in
        // UCS-4 units; taken as they come, they pair up into the same text.
        s += cp <= 0xffff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return undefined;
  }
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}
