/**
 * `shoal tls ca` and `shoal tls cert`: the files a QUIC node's mutual TLS
 * needs (docs/memberlist-quic.md), also those of `shoal raft --tls-*`, made with memberlist-quic's tlsutil
 * counterparts. Keys are written 0600; nothing is overwritten without --force.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  createCa,
  createNodeCertificate,
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_CA_DAYS,
  DEFAULT_NODE_DAYS,
  MAX_DAYS,
  TlsMaterialError,
} from '@shoal/memberlist-quic';
import { intOption, parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';

/** The CA's files in its directory (`--out` of `tls ca`, `--ca-dir` of `tls cert`). */
export const CA_CERT_FILE = 'ca.pem';
export const CA_KEY_FILE = 'ca-key.pem';

/** A node's files in `--out`: NAME.pem and NAME-key.pem. */
export function nodeFiles(name: string): { cert: string; key: string } {
  return { cert: `${name}.pem`, key: `${name}-key.pem` };
}

/** Node names that are safe as file names (the files are named after the node). */
const FILE_SAFE_NAME = /^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/;

const CA_USAGE = `shoal tls ca --out DIR [--name CN] [--days N] [--force]

Creates a certificate authority for mutual TLS between QUIC memberlist nodes
or shoal raft servers (--tls-*): an ECDSA P-256 self-signed CA, written as DIR/${CA_CERT_FILE} and DIR/${CA_KEY_FILE} (mode 0600;
keep it off the nodes: only ${CA_CERT_FILE} goes to them). DIR is created if missing.

  --name CN   the CA's common name (default "${DEFAULT_CA_COMMON_NAME}")
  --days N    validity in days, 1 to ${MAX_DAYS} (default ${DEFAULT_CA_DAYS})
  --force     replace existing files (default: refuse)

Exit status: 0 written; 1 the files could not be written; 2 bad arguments.`;

const CERT_USAGE = `shoal tls cert --ca-dir DIR --name NAME [--ip IP]... [--dns NAME]... [--days N] --out DIR [--force]

Creates a node certificate signed by the CA in --ca-dir (${CA_CERT_FILE}, ${CA_KEY_FILE}),
as Go memberlist-quic's tlsutil does: ECDSA P-256, CN = the node name (also a DNS
name of the certificate when it is a valid one), extended key usage TLS server
and client. Written as OUT/NAME.pem and OUT/NAME-key.pem (mode 0600); OUT is
created if missing.

  --name NAME  the memberlist node name (letters, digits and . _ @ + -)
  --ip IP      an address peers dial this node at (repeatable; default none);
               Go peers check it
  --dns NAME   a further DNS name (repeatable; default none)
  --days N     validity in days, 1 to ${MAX_DAYS} (default ${DEFAULT_NODE_DAYS})
  --force      replace existing files (default: refuse)

Exit status: 0 written; 1 the files could not be written; 2 bad arguments or a
CA that cannot be used.`;

export const tlsCaCommand: Command = {
  name: 'tls ca',
  summary: 'create a CA for mutual TLS, QUIC memberlist or raft (ca.pem, ca-key.pem)',
  usage: CA_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, {
      out: { type: 'string' },
      name: { type: 'string' },
      days: { type: 'string' },
      force: { type: 'boolean', default: false },
    });
    const out = required('out', values.out, 'DIR');
    const days = intOption('days', values.days, DEFAULT_CA_DAYS, 1, MAX_DAYS);
    if (values.name !== undefined && values.name.trim() === '') throw new UsageError('--name must not be empty');
    const files = { cert: join(out, CA_CERT_FILE), key: join(out, CA_KEY_FILE) };

    const ca = await createCa({ ...(values.name !== undefined ? { commonName: values.name } : {}), days });
    await refuseToOverwrite(Object.values(files), values.force);
    const written = await writeFiles(out, files, ca, values.force, io, this.name);
    if (!written) return 1;
    const cert = new X509Certificate(ca.certPem);
    io.out(`created CA ${cert.subject.replaceAll('\n', ', ')}, valid until ${iso(cert.validTo)}: ${files.cert} (give to every node), ${files.key} (keep secret)\n`);
    return 0;
  },
};

export const tlsCertCommand: Command = {
  name: 'tls cert',
  summary: 'create a node certificate signed by a `shoal tls ca` CA',
  usage: CERT_USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, {
      'ca-dir': { type: 'string' },
      name: { type: 'string' },
      ip: { type: 'string', multiple: true },
      dns: { type: 'string', multiple: true },
      days: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
    });
    const caDir = required('ca-dir', values['ca-dir'], 'DIR');
    const name = required('name', values.name, 'NAME');
    const out = required('out', values.out, 'DIR');
    if (!FILE_SAFE_NAME.test(name)) {
      throw new UsageError(`--name '${name}' cannot name the files: use letters, digits and . _ @ + - (not starting with '.')`);
    }
    const days = intOption('days', values.days, DEFAULT_NODE_DAYS, 1, MAX_DAYS);
    const files = { cert: join(out, nodeFiles(name).cert), key: join(out, nodeFiles(name).key) };
    const caFiles = [join(caDir, CA_CERT_FILE), join(caDir, CA_KEY_FILE)].map((path) => resolve(path));
    if (Object.values(files).some((path) => caFiles.includes(resolve(path)))) {
      throw new UsageError(`--name '${name}' in --out ${out} would overwrite the CA's own files`);
    }

    const ca = { certPem: await readCaFile(caDir, CA_CERT_FILE), keyPem: await readCaFile(caDir, CA_KEY_FILE) };
    const node = await asUsageError(() => createNodeCertificate(ca, { name, ips: values.ip ?? [], dnsNames: values.dns ?? [], days }));
    await refuseToOverwrite(Object.values(files), values.force);
    const written = await writeFiles(out, files, node, values.force, io, this.name);
    if (!written) return 1;
    const cert = new X509Certificate(node.certPem);
    const names = cert.subjectAltName ? ` (${cert.subjectAltName})` : '';
    io.out(`created certificate CN=${name}${names}, valid until ${iso(cert.validTo)}, signed by ${cert.issuer.replaceAll('\n', ', ')}: ${files.cert}, ${files.key}\n`);
    return 0;
  },
};

function required(option: string, value: string | undefined, placeholder: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing --${option} ${placeholder}`);
  return value;
}

/** Checks every target before anything is written (and after the input is checked), so a refusal leaves no half-written set. */
async function refuseToOverwrite(paths: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  for (const path of paths) {
    if (await stat(path).catch(() => undefined)) throw new UsageError(`${path} already exists; pass --force to replace it`);
  }
}

async function readCaFile(caDir: string, file: string): Promise<string> {
  const path = join(caDir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? `no such file (is --ca-dir a directory made by \`shoal tls ca\`?)` : String(code ?? (error as Error).message);
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
}

/** memberlist-quic's refusals (a CA that is not one, a bad IP...) are bad input: one line, exit 2. */
async function asUsageError<T>(make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (error) {
    if (error instanceof TlsMaterialError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Writes the certificate (0644) and the key (0600). With --force an old file
 * is removed first, so the key is always created afresh with its mode rather
 * than inheriting a looser one. False (after one line on stderr) on failure.
 */
async function writeFiles(dir: string, files: { cert: string; key: string }, pem: { certPem: string; keyPem: string }, force: boolean, io: CommandIO, command: string): Promise<boolean> {
  const targets: [string, string, number][] = [
    [files.key, pem.keyPem, 0o600],
    [files.cert, pem.certPem, 0o644],
  ];
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const [path, text, mode] of targets) {
      if (force) await rm(path, { force: true });
      await writeFile(path, text, { flag: 'wx', mode });
    }
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.err(`shoal ${command}: cannot write ${(error as { path?: string }).path ?? dir}: ${typeof code === 'string' ? code : (error as Error).message}\n`);
    return false;
  }
}

function iso(openSslDate: string): string {
  return new Date(Date.parse(openSslDate)).toISOString();
}
