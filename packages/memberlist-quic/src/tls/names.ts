/** Checks for the names a certificate's subject alternative names may hold. */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/** An IPv4 dotted quad or an IPv6 address (no zone: a certificate cannot hold one). */
export function isIpAddress(text: string): boolean {
  if (IPV4.test(text)) return true;
  if (!text.includes(':') || /[^0-9A-Fa-f:.]/.test(text)) return false;
  // The URL parser is a complete IPv6 grammar, and needs no socket module.
  return URL.canParse(`http://[${text}]/`);
}

/** A DNS name a certificate can carry: ASCII labels of letters, digits, '-' and '_', optionally a leading '*.' wildcard. */
export function isDnsName(text: string): boolean {
  if (text.length === 0 || text.length > 253) return false;
  const labels = text.split('.');
  if (labels[0] === '*' && labels.length > 1) labels.shift();
  return labels.every((label) => DNS_LABEL.test(label));
}
