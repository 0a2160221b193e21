// undici is a dependency: PeerDispatcher is an undici Dispatcher, so it types as
// fetch's `dispatcher` and has request(), stream(), pipeline() and compose().
import { Dispatcher } from 'undici';
import type { Chosen } from './peer-facade.js';
import type { ChooseOptions } from './peer-list.js';

/** The part of a PeerList the dispatcher uses. */
export interface ChoosingList {
  choose(options?: ChooseOptions): Chosen | Promise<Chosen>;
}

export interface PeerDispatcherOptions {
  /** Picks the peer ("host:port") of each request; its chooser sees each outcome. */
  list: ChoosingList;
  /** Sends each request once its origin is rewritten, e.g. `new Agent()` from undici. */
  dispatcher: Pick<Dispatcher, 'dispatch'> & Partial<Pick<Dispatcher, 'close' | 'destroy'>>;
  /** Scheme of the rewritten origin (default "http:"). */
  protocol?: 'http:' | 'https:';
  /** How long a request may wait for an available peer (default: the list's default). */
  chooseTimeoutMs?: number;
  /** Key for key-aware choosers (hash ring); default none. */
  key?: (options: Dispatcher.DispatchOptions) => string | undefined;
  /** Which statuses count as failures for the chooser (default: 5xx). */
  isFailure?: (statusCode: number) => boolean;
}

/** The error a request's chooser sees for a failing status. */
export class PeerStatusError extends Error {
  readonly code = 'PEER_DISPATCHER_STATUS';
  constructor(readonly peer: string, readonly statusCode: number) {
    super(`${peer} answered ${statusCode}`);
  }
}

type AnyFn = (...args: unknown[]) => unknown;
type HandlerLike = Record<string, unknown>;

const LEGACY = ['onConnect', 'onHeaders', 'onData', 'onComplete', 'onError', 'onUpgrade', 'onBodySent', 'onResponseStarted', 'onRequestSent'] as const;
const CONTROLLER = ['onRequestStart', 'onRequestUpgrade', 'onResponseStart', 'onResponseData', 'onResponseEnd', 'onResponseError'] as const;

/**
 * An undici dispatcher that sends each request to the peer a PeerList
 * chooses: it rewrites the request's origin to that peer and hands it to the
 * inner dispatcher, then ends the choice with the outcome, so latency-aware
 * choosers (peakEwma) see real latencies, and outlierEjection sees failures:
 * a connection error, an aborted request, or a failing status (5xx by default).
 * The latency is from the choice to the end of the response body.
 *
 * Use it as the `dispatcher` of undici's or Node's `fetch`:
 * `fetch('http://web/path', { dispatcher })` — the URL's host is replaced.
 * It handles both undici handler styles (onHeaders/onComplete/onError and
 * onResponseStart/onResponseEnd/onResponseError).
 */
export class PeerDispatcher extends Dispatcher {
  readonly #o: PeerDispatcherOptions;
  readonly #isFailure: (status: number) => boolean;
  readonly #chooseOptions: ChooseOptions;

  constructor(options: PeerDispatcherOptions) {
    super();
    this.#o = options;
    this.#isFailure = options.isFailure ?? ((s) => s >= 500);
    this.#chooseOptions = options.chooseTimeoutMs !== undefined ? { timeoutMs: options.chooseTimeoutMs } : {};
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as unknown as HandlerLike;
    let chosen: Chosen | Promise<Chosen>;
    const key = this.#o.key?.(options);
    try {
      chosen = this.#o.list.choose(key !== undefined ? { ...this.#chooseOptions, key } : this.#chooseOptions);
    } catch (error) {
      fail(h, error);
      return false;
    }
    if (chosen instanceof Promise) {
      chosen.then(
        (c) => void this.#send(options, h, c, true),
        (error: unknown) => fail(h, error),
      );
      return true;
    }
    return this.#send(options, h, chosen, false);
  }

  /**
   * `deferred`: the caller's dispatch() has already returned, so an inner
   * dispatch that throws must end the request through its handler; a throw
   * would only become an unhandled rejection and leave the request hanging.
   */
  #send(options: Dispatcher.DispatchOptions, h: HandlerLike, chosen: Chosen, deferred: boolean): boolean {
    const peer = chosen.id;
    const onFinish = chosen.onFinish; // read now: the lease is recycled after onFinish
    let done = false;
    let status = 0;
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      onFinish(error);
    };
    const ended = (): void => finish(status > 0 && this.#isFailure(status) ? new PeerStatusError(peer, status) : undefined);
    const controllerStyle = typeof h['onRequestStart'] === 'function';
    const names = controllerStyle ? CONTROLLER : LEGACY;
    const wrapped: Record<string, AnyFn> = {};
    for (const name of names) {
      const fn = h[name];
      if (typeof fn === 'function') wrapped[name] = (...args: unknown[]) => (fn as AnyFn).apply(h, args);
    }
    const forward = (name: string, args: unknown[]): unknown => (typeof h[name] === 'function' ? (h[name] as AnyFn).apply(h, args) : undefined);
    if (controllerStyle) {
      wrapped['onResponseStart'] = (...args) => {
        status = args[1] as number;
        return forward('onResponseStart', args);
      };
      wrapped['onResponseEnd'] = (...args) => {
        ended();
        return forward('onResponseEnd', args);
      };
      wrapped['onResponseError'] = (...args) => {
        finish(args[1] ?? new Error('request failed'));
        return forward('onResponseError', args);
      };
      wrapped['onRequestUpgrade'] = (...args) => {
        finish();
        return forward('onRequestUpgrade', args);
      };
    } else {
      wrapped['onHeaders'] = (...args) => {
        status = args[0] as number;
        return typeof h['onHeaders'] === 'function' ? forward('onHeaders', args) : true;
      };
      wrapped['onComplete'] = (...args) => {
        ended();
        return forward('onComplete', args);
      };
      wrapped['onError'] = (...args) => {
        finish(args[0] ?? new Error('request failed'));
        return forward('onError', args);
      };
      wrapped['onUpgrade'] = (...args) => {
        finish();
        return forward('onUpgrade', args);
      };
    }
    const origin = `${this.#o.protocol ?? 'http:'}//${peer}`;
    try {
      return this.#o.dispatcher.dispatch({ ...options, origin }, wrapped as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      const reported = done; // the inner dispatcher ended the request through the handler, then threw
      finish(error);
      if (!deferred) throw error;
      if (!reported) fail(h, error);
      return false;
    }
  }

  /** Closes the inner dispatcher. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closing = Promise.resolve(this.#o.dispatcher.close?.());
    if (callback === undefined) return closing;
    void closing.then(callback, callback);
  }

  /** Destroys the inner dispatcher. */
  override destroy(error?: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const error = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const destroying = Promise.resolve(this.#o.dispatcher.destroy?.(error));
    if (callback === undefined) return destroying;
    void destroying.then(callback, callback);
  }
}

/** Ends a request that never reached a peer (no peer could be chosen). */
function fail(h: HandlerLike, error: unknown): void {
  if (typeof h['onRequestStart'] === 'function') {
    const controller = { aborted: true, paused: false, reason: error, abort() {}, pause() {}, resume() {} };
    (h['onResponseError'] as AnyFn | undefined)?.call(h, controller, error);
  } else {
    (h['onError'] as AnyFn | undefined)?.call(h, error);
  }
}
