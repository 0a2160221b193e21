// quiche's one connection timer (loss detection, idle, draining) on the
// injected Clock, kept armed across small moves of quiche's deadline.
import type { Clock, Timer } from '@shoal/kit';

export class QuicheTimer {
  #timer: Timer | undefined;
  #at = Infinity;

  /** `fire` runs when the armed deadline passes. */
  constructor(
    readonly clock: Clock,
    readonly fire: () => void,
  ) {}

  /** Arms the timer `t` ms from now (quiche's timeout()). */
  arm(t: number): void {
    const clock = this.clock;
    const now = clock.now();
    const at = now + t;
    // Keep the armed timer when it fires before quiche's deadline but not
    // before half the wait (it then just re-arms): so the idle deadline, which
    // every packet pushes on, does not cost a new timer per packet. Replace it
    // when it would fire later, or much earlier: a loss-detection deadline
    // that an ACK has since cleared would otherwise wake an idle process for
    // nothing, and a wake-up from idle costs more CPU here than the packet.
    if (this.#timer !== undefined && this.#timer.active && this.#at <= at + 1 && this.#at >= now + t / 2) return;
    this.#timer?.cancel();
    this.#at = at;
    this.#timer = clock.after(t + 1, this.#onFire);
  }

  cancel(): void {
    this.#timer?.cancel();
  }

  readonly #onFire = (): void => {
    this.#at = Infinity;
    this.fire();
  };
}
