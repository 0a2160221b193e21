/**
 * The part of the Reflect metadata API that @peculiar/x509 2.x needs.
 *
 * The library registers its algorithms with tsyringe, which throws at import
 * unless `Reflect.getMetadata` exists (it expects the `reflect-metadata`
 * package). tsyringe only stores and reads plain values with it, so a WeakMap
 * suffices and the workspace needs no extra dependency. Nothing is replaced
 * when a real polyfill is already loaded.
 */

type Key = unknown;
type Property = string | symbol | undefined;

const stores = new WeakMap<object, Map<Property, Map<Key, unknown>>>();

function ownStore(target: object, property: Property, create: boolean): Map<Key, unknown> | undefined {
  let byProperty = stores.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    stores.set(target, byProperty);
  }
  let store = byProperty.get(property);
  if (!store && create) {
    store = new Map();
    byProperty.set(property, store);
  }
  return store;
}

function getOwnMetadata(key: Key, target: object, property?: Property): unknown {
  return ownStore(target, property, false)?.get(key);
}

/** Like reflect-metadata, looks along the prototype chain. */
function getMetadata(key: Key, target: object, property?: Property): unknown {
  for (let current: object | null = target; current !== null; current = Object.getPrototypeOf(current) as object | null) {
    const store = ownStore(current, property, false);
    if (store?.has(key)) return store.get(key);
  }
  return undefined;
}

function defineMetadata(key: Key, value: unknown, target: object, property?: Property): void {
  ownStore(target, property, true)!.set(key, value);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  Object.assign(reflect, { getMetadata, getOwnMetadata, defineMetadata });
}
