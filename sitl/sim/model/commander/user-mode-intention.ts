/**
 * UserModeIntention (commander/UserModeIntention.cpp): the mode the user asked for. The failsafe may
 * fly another one, but this is what the vehicle returns to, and, after a disarm, the last selected
 * mode one can arm in.
 */
import { NavState, preventsArming } from '../modes.js';

export class UserModeIntention {
  /** the intended nav state; PX4 starts in Hold */
  mode: number = NavState.AUTO_LOITER;
  /** changed in this cycle: the failsafe takes it as the user taking over */
  updated = false;
  private afterDisarm: number = NavState.AUTO_LOITER;

  /** change() once allowed (the commander decides that). */
  set(n: number): void {
    this.mode = n;
    this.updated = true;
    if (!preventsArming(n) || n === NavState.TERMINATION) this.afterDisarm = n;
  }

  /** onDisarm(): back to the last selected mode that does not prevent arming. */
  onDisarm(): void {
    this.mode = this.afterDisarm;
    this.updated = true;
  }
}
