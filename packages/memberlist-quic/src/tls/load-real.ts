/**
 * loadTlsMaterial: a node's CA, certificate and key from files (DESIGN.md
 * principle 1: one of the files allowed to read the disk and the wall clock).
 */
import { readFile, stat } from 'node:fs/promises';
import { TlsMaterialError } from './errors.js';
import { parseTlsMaterial, type TlsMaterial } from './material.js';

export interface TlsMaterialFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** PEM files are a few kilobytes; anything larger is not one (and is not read into memory). */
export const MAX_PEM_FILE_BYTES = 1 << 20;

/**
 * Reads and checks a node's TLS material (see parseTlsMaterial); `now`
 * defaults to the wall clock. Throws a TlsMaterialError naming the file and
 * the problem: unreadable, not PEM, key and certificate not a pair,
 * certificate not issued by the CA, expired or not yet valid.
 */
export async function loadTlsMaterial(files: TlsMaterialFiles, options: { now?: number } = {}): Promise<TlsMaterial> {
  const [caPem, certPem, keyPem] = await Promise.all([
    readPemFile(files.caFile, 'CA file'),
    readPemFile(files.certFile, 'certificate file'),
    readPemFile(files.keyFile, 'key file'),
  ]);
  return parseTlsMaterial(
    { caPem, certPem, keyPem },
    { now: options.now ?? Date.now(), sources: { ca: files.caFile, cert: files.certFile, key: files.keyFile } },
  );
}

async function readPemFile(path: string, what: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TlsMaterialError('ERR_TLS_FILE_UNREADABLE', `${what} ${path} is not a regular file`);
    if (info.size > MAX_PEM_FILE_BYTES) throw new TlsMaterialError('ERR_TLS_NOT_PEM', `${what} ${path} is ${info.size} bytes, too large for PEM material`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof TlsMaterialError) throw error;
    const code = (error as { code?: unknown }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : typeof code === 'string' ? code : (error as Error).message;
    throw new TlsMaterialError('ERR_TLS_FILE_UNREADABLE', `cannot read ${what} ${path}: ${why}`, { cause: error });
  }
}
