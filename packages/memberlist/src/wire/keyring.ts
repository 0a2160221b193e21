import { bytesEqual } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';

/**
 * ValidateKey: AES keys must be 16, 24 or 32 bytes (AES-128/192/256).
 * Throws a WireError with code ERR_INVALID_KEY otherwise.
 */
export function validateKey(key: Uint8Array): void {
  const n = key.length;
  if (n !== 16 && n !== 24 && n !== 32) {
    throw new WireError(WireErrorCode.InvalidKey, `key size must be 16, 24 or 32 bytes, got ${n}`);
  }
}

/**
 * The set of gossip encryption keys. The primary key (index 0) encrypts; all
 * keys are tried to decrypt, primary first. Keys are copied on the way in, so
 * callers cannot mutate the ring by mutating their arrays.
 */
export class Keyring {
  private keys: Uint8Array[] = [];

  private constructor() {}

  /**
   * NewKeyring. With no keys and no primary the ring is empty (encryption off).
   * Otherwise a primary is required; it is added first and the others after it.
   */
  static create(keys: readonly Uint8Array[] = [], primaryKey?: Uint8Array): Keyring {
    const ring = new Keyring();
    if (keys.length > 0 || (primaryKey !== undefined && primaryKey.length > 0)) {
      if (primaryKey === undefined || primaryKey.length === 0) {
        throw new WireError(WireErrorCode.EmptyPrimaryKey, 'empty primary key not allowed');
      }
      ring.addKey(primaryKey);
      for (const key of keys) ring.addKey(key);
    }
    return ring;
  }

  /** AddKey: installs a key for decryption; a no-op when it is already present. The first key becomes primary. */
  addKey(key: Uint8Array): void {
    validateKey(key);
    if (this.keys.some((k) => bytesEqual(k, key))) return;
    const copy = Uint8Array.from(key);
    this.install([...this.keys, copy], this.keys[0] ?? copy);
  }

  /** UseKey: makes an installed key the primary (encrypting) key. */
  useKey(key: Uint8Array): void {
    const installed = this.keys.find((k) => bytesEqual(k, key));
    if (installed === undefined) throw new WireError(WireErrorCode.KeyNotFound, 'requested key is not in the keyring');
    this.install(this.keys, installed);
  }

  /** RemoveKey: drops a key; removing the primary is refused, removing an absent key is a no-op. */
  removeKey(key: Uint8Array): void {
    const primary = this.keys[0];
    if (primary !== undefined && bytesEqual(primary, key)) {
      throw new WireError(WireErrorCode.RemovePrimaryKey, 'removing the primary key is not allowed');
    }
    this.keys = this.keys.filter((k) => !bytesEqual(k, key));
  }

  /** GetKeys: every key, primary first (copies). */
  getKeys(): Uint8Array[] {
    return this.keys.map((k) => Uint8Array.from(k));
  }

  /** GetPrimaryKey: the encrypting key, or undefined for an empty ring. */
  getPrimaryKey(): Uint8Array | undefined {
    const k = this.keys[0];
    return k === undefined ? undefined : Uint8Array.from(k);
  }

  /** The live key list for the decrypt path, without copying. Do not mutate. */
  keysForDecrypt(): readonly Uint8Array[] {
    return this.keys;
  }

  /** True when the ring has at least one key (encryption is on). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  private install(keys: readonly Uint8Array[], primary: Uint8Array): void {
    this.keys = [primary, ...keys.filter((k) => !bytesEqual(k, primary))];
  }
}
