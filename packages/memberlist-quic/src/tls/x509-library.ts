/**
 * @peculiar/x509, loaded the one way that works: after reflect-metadata (its
 * ASN.1 schemas are declared with decorators that read Reflect metadata, and
 * its README asks for this polyfill), and with node's WebCrypto as its crypto
 * provider. Every module here imports the library from this file.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
