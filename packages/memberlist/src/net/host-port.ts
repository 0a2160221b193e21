/** Joins a host and port as Go's net.JoinHostPort does: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits "host:port" or "[v6]:port"; undefined when malformed or the port is out of range. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') return undefined;
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0 || address.indexOf(':') !== colon) return undefined;
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  return { host, port };
}
