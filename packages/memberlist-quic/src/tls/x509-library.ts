/**
 * @peculiar/x509, loaded the one way that works: after the Reflect metadata
 * shim it needs, and with node's WebCrypto as its crypto provider. Every
 * module here imports the library from this file.
 */
import './reflect-metadata-shim.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
