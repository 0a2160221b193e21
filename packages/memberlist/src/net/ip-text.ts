// IP text classification without node:net (which the lint reserves for socket code).
const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4 for IPv4 text, 6 for IPv6 text, 0 otherwise (like node:net's isIP). */
export function isIP(text: string): 0 | 4 | 6 {
  if (V4.test(text)) return 4;
  if (!text.includes(':')) return 0;
  const noZone = text.split('%')[0]!;
  const halves = noZone.split('::');
  if (halves.length > 2) return 0;
  let groups = 0;
  for (const half of halves) {
    if (half === '') continue;
    const parts = half.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && V4.test(p) && half === halves[halves.length - 1]) groups += 2;
      else if (/^[0-9a-fA-F]{1,4}$/.test(p)) groups += 1;
      else return 0;
    }
  }
  if (halves.length === 2 ? groups > 7 : groups !== 8) return 0;
  return 6;
}
