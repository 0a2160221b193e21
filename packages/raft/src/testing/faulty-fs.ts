/**
 * FaultyFileSystem: a FileSystem that passes every call to another one,
 * except where a test's rule says the disk misbehaves. A rule picks
 * operations by name and path and makes them fail with an FsError code
 * (EIO, ENOSPC, ...), stall until the rule is switched off, or run late by a
 * delay on the injected Clock (virtual in the simulator, real otherwise).
 * Rules can be switched on and off while the test runs. For tests.
 */
import type { Clock, FileHandle, FileStat, FileSystem, FsErrorCode, OpenOptions } from '@shoal/kit';
import { FsError } from '@shoal/kit';

/** Every operation a rule can pick: the methods of FileSystem and of FileHandle, by name. */
export type FileOp = keyof FileSystem | keyof FileHandle;

export interface FaultMatch {
  /** Operations to pick (default: all). */
  op?: FileOp | readonly FileOp[];
  /** Paths to pick: a RegExp, or a string the path must contain (default: all). */
  path?: string | RegExp;
}

export type FaultEffect = { kind: 'fail'; code: FsErrorCode } | { kind: 'stall' } | { kind: 'slow'; delayMs: number };

/** One rule of a FaultyFileSystem; on when created. */
export class FaultRule {
  readonly effect: FaultEffect;
  readonly #ops: ReadonlySet<FileOp> | undefined;
  readonly #path: string | RegExp | undefined;
  #enabled = true;
  /** Operations this rule has acted on. */
  hits = 0;
  readonly #stalled: (() => void)[] = [];

  constructor(match: FaultMatch, effect: FaultEffect) {
    this.effect = effect;
    this.#ops = match.op === undefined ? undefined : new Set(typeof match.op === 'string' ? [match.op] : match.op);
    this.#path = match.path;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Operations held by this (stall) rule right now. */
  get stalledCount(): number {
    return this.#stalled.length;
  }

  enable(): void {
    this.#enabled = true;
  }

  /** Stops acting on new operations and lets the ones it stalls go on: the disk is back. */
  disable(): void {
    this.#enabled = false;
    for (const release of this.#stalled.splice(0)) release();
  }

  matches(op: FileOp, paths: readonly string[]): boolean {
    if (!this.#enabled) return false;
    if (this.#ops !== undefined && !this.#ops.has(op)) return false;
    const pattern = this.#path;
    if (pattern === undefined) return true;
    return paths.some((p) => (typeof pattern === 'string' ? p.includes(pattern) : pattern.test(p)));
  }

  /** Applies the effect to one operation on `path`: resolves when it may go on. */
  async apply(op: FileOp, path: string, clock: Clock): Promise<void> {
    this.hits++;
    const effect = this.effect;
    if (effect.kind === 'fail') throw new FsError(effect.code, path, `injected fault on ${op}`);
    if (effect.kind === 'slow') {
      await new Promise<void>((resolve) => clock.after(effect.delayMs, resolve));
      return;
    }
    await new Promise<void>((resolve) => this.#stalled.push(resolve));
  }
}

export class FaultyFileSystem implements FileSystem {
  readonly #inner: FileSystem;
  readonly #clock: Clock;
  readonly #rules: FaultRule[] = [];

  constructor(inner: FileSystem, clock: Clock) {
    this.#inner = inner;
    this.#clock = clock;
  }

  /** Matching operations fail with `code`. */
  fail(match: FaultMatch, code: FsErrorCode): FaultRule {
    return this.#add(new FaultRule(match, { kind: 'fail', code }));
  }

  /** Matching operations never finish until the rule is disabled. */
  stall(match: FaultMatch): FaultRule {
    return this.#add(new FaultRule(match, { kind: 'stall' }));
  }

  /** Matching operations start `delayMs` late on the clock. */
  slow(match: FaultMatch, delayMs: number): FaultRule {
    return this.#add(new FaultRule(match, { kind: 'slow', delayMs }));
  }

  /** Disables every rule (releasing stalled operations). */
  heal(): void {
    for (const rule of this.#rules) rule.disable();
  }

  #add(rule: FaultRule): FaultRule {
    this.#rules.push(rule);
    return rule;
  }

  /** Runs the matching rules in order (delays add up; a failure ends it), then the operation. */
  async #guard<T>(op: FileOp, paths: readonly string[], run: () => Promise<T>): Promise<T> {
    for (const rule of this.#rules) {
      if (rule.matches(op, paths)) await rule.apply(op, paths[0]!, this.#clock);
    }
    return run();
  }

  /**
   * Wraps a handle so each of its calls goes through the rules under the
   * method's own name. A Proxy rather than a class: FileHandle gains methods
   * (preallocate) and a wrapper must forward them without being edited.
   */
  #wrapHandle(handle: FileHandle, path: string): FileHandle {
    return new Proxy(handle, {
      get: (target, key, receiver) => {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || typeof key !== 'string') return value;
        // A durable write is a write and a datasync to the rules, so rules on either still bite.
        if (key === 'writeDurably') {
          return async (position: number, chunks: readonly Uint8Array[]) => {
            await this.#guard('writev', [path], () => target.writev(position, chunks));
            await this.#guard('datasync', [path], () => target.datasync());
          };
        }
        const method = value as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => this.#guard(key as FileOp, [path], () => method.apply(target, args));
      },
    });
  }

  open(path: string, options?: OpenOptions): Promise<FileHandle> {
    return this.#guard('open', [path], async () => this.#wrapHandle(await this.#inner.open(path, options), path));
  }

  readFile(path: string): Promise<Uint8Array> {
    return this.#guard('readFile', [path], () => this.#inner.readFile(path));
  }

  writeFile(path: string, data: Uint8Array, options?: { sync?: boolean }): Promise<void> {
    return this.#guard('writeFile', [path], () => this.#inner.writeFile(path, data, options));
  }

  rename(from: string, to: string): Promise<void> {
    return this.#guard('rename', [from, to], () => this.#inner.rename(from, to));
  }

  unlink(path: string): Promise<void> {
    return this.#guard('unlink', [path], () => this.#inner.unlink(path));
  }

  mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.#guard('mkdir', [path], () => this.#inner.mkdir(path, options));
  }

  rmdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    return this.#guard('rmdir', [path], () => this.#inner.rmdir(path, options));
  }

  list(path: string): Promise<string[]> {
    return this.#guard('list', [path], () => this.#inner.list(path));
  }

  stat(path: string): Promise<FileStat | undefined> {
    return this.#guard('stat', [path], () => this.#inner.stat(path));
  }

  syncDir(path: string): Promise<void> {
    return this.#guard('syncDir', [path], () => this.#inner.syncDir(path));
  }
}
