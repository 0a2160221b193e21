// TLS material for QUIC interop tests: the cluster's CA and a second,
// unrelated CA (for peers that must be refused), and per-node certificates
// with IP SAN 127.0.0.1 (Go checks the dialled IP), written as PEM files that
// both the Go program and `shoal member` read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CertificatePem, createCa, createNodeCertificate } from '@shoal/memberlist-quic';

export interface NodeTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The same material as PEM text (for in-process transports). */
  pem: { caPem: string; certPem: string; keyPem: string };
}

export type CaChoice = 'cluster' | 'other';

export class QuicCerts {
  readonly dir: string;
  readonly #cas: Record<CaChoice, CertificatePem>;

  private constructor(dir: string, cas: Record<CaChoice, CertificatePem>) {
    this.dir = dir;
    this.#cas = cas;
  }

  static async create(): Promise<QuicCerts> {
    const dir = mkdtempSync(join(tmpdir(), 'shoal-quic-interop-'));
    const [cluster, other] = await Promise.all([createCa({ commonName: 'interop cluster CA' }), createCa({ commonName: 'interop other CA' })]);
    writeFileSync(join(dir, 'cluster-ca.pem'), cluster.certPem);
    writeFileSync(join(dir, 'other-ca.pem'), other.certPem);
    return new QuicCerts(dir, { cluster, other });
  }

  /**
   * A certificate for node `name` (its CN) signed by `ca`, trusting `trust`
   * (default: that same CA; an intruder may well trust the cluster's CA, whose
   * certificate is no secret, while holding a certificate from another).
   */
  async node(name: string, ca: CaChoice = 'cluster', trust: CaChoice = ca): Promise<NodeTlsFiles> {
    const issued = await createNodeCertificate(this.#cas[ca], { name, ips: ['127.0.0.1'] });
    const certFile = join(this.dir, `${name}.pem`);
    const keyFile = join(this.dir, `${name}-key.pem`);
    writeFileSync(certFile, issued.certPem);
    writeFileSync(keyFile, issued.keyPem, { mode: 0o600 });
    return { caFile: join(this.dir, `${trust}-ca.pem`), certFile, keyFile, pem: { caPem: this.#cas[trust].certPem, certPem: issued.certPem, keyPem: issued.keyPem } };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
