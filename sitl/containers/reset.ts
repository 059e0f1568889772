import type { Vehicle } from '../../src/vehicle/index.js';
import { MissionTransfer, waitFor } from '../../src/vehicle/index.js';
import { clearStoredPlans } from '../../hil/reset.js';

/**
 * Brings a vehicle to a known state over MAVLink, as an operator would with PX4: offboard stream
 * stopped, landed, disarmed, in Hold, no mission, geofence or rally points left stored. For stacks that cannot restart the vehicle cheaply (PX4
 * SITL with its agent and drone_core); position is wherever it landed.
 */
export async function resetOverMavlink(vehicle: Vehicle, opts: { timeout?: string } = {}): Promise<void> {
  const { pilot, telemetry } = vehicle;
  const timeout = opts.timeout ?? '60s';
  await pilot.stopOffboard();
  if (telemetry.armed) {
    if (telemetry.landedState !== 'ON_GROUND') {
      await pilot.land();
      await waitFor(telemetry, (t) => t.landedState === 'ON_GROUND', { timeout, clock: 'vehicle', what: `${vehicle.name} landed (reset)` });
    }
    // PX4 auto-disarms after COM_DISARM_LAND; do not wait for it.
    if (telemetry.armed) await pilot.disarm();
    await waitFor(telemetry, (t) => !t.armed, { timeout: '10s', clock: 'vehicle', what: `${vehicle.name} disarmed (reset)` });
  }
  if (telemetry.modeName !== 'Hold') await pilot.hold();
  await waitFor(telemetry, (t) => !t.armed && t.modeName === 'Hold' && t.landedState === 'ON_GROUND', {
    timeout: '10s',
    clock: 'host',
    what: `${vehicle.name} on the ground, disarmed, in Hold (reset)`,
  });
  await clearStoredPlans(vehicle, new MissionTransfer(vehicle.link, { targetSysId: vehicle.sysId, telemetry: vehicle.telemetry }));
}
