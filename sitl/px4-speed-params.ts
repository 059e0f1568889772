import type { SpeedFactor } from '../src/targets/target.js';

/**
 * PX4's SITL start script (ROMFS init.d-posix/rcS) multiplies its loss time-outs by
 * PX4_SIM_SPEED_FACTOR, for simulators paced on wall time: at speed 4 an offboard loss is called
 * after 4 s of vehicle time instead of 1 s. flightcheck paces every stream on the vehicle clock,
 * so the scaling would only make a scenario mean something else at speed 4 than at speed 1. Both
 * PX4 targets (native, containers) set these back to their speed-1 values, under whatever the
 * scenario sets itself.
 */
export function px4SpeedNeutralParams(speed: SpeedFactor): Record<string, number> {
  if (speed === 1) return {};
  return { COM_DL_LOSS_T: 10, COM_RC_LOSS_T: 1, COM_OF_LOSS_T: 1, COM_OBC_LOSS_T: 5 };
}
