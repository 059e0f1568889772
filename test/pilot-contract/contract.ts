/**
 * The Pilot contract: what every way of flying a vehicle (MavlinkPilot, DroneCorePilot) must do,
 * asserted on ground truth — PX4's own telemetry over MAVLink — never on what a command replied.
 * `registerPilotContract(spec)` registers the suite for one pilot; the spec brings a vehicle up and
 * declares the few places where the contract lets pilots differ (each difference is tested too).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { CommandResult, Pilot } from '../../src/vehicle/pilot.js';
import type { Telemetry } from '../../src/vehicle/telemetry.js';
import { reachAndHold, waitFor } from '../../src/vehicle/wait.js';

export interface ContractStack {
  pilot: Pilot;
  telemetry: Telemetry;
  /** Back to a known state: landed, disarmed, in Hold, no stream running. */
  reset(): Promise<void>;
  down(): Promise<void>;
}

export interface PilotContractSpec {
  /** Shown in the describe title, e.g. 'MavlinkPilot on the built-in simulator'. */
  name: string;
  up(): Promise<ContractStack>;
  takeoff: {
    /** DroneOS: takeoff needs OFFBOARD and ARMED (set_offboard → arm → takeoff); PX4: arm → takeoff. */
    needsOffboard: boolean;
    /** Where takeoff() without an altitude goes (m above home): PX4 MIS_TAKEOFF_ALT 2.5, drone_core 10. */
    defaultAltitude: number;
  };
  /** A command this pilot must refuse from the ground (disarmed, Hold), with its typed error. */
  refusal: { what: string; provoke(p: Pilot): Promise<unknown>; errorName: string };
  /** Does stopOffboard() end offboard (PX4's COM_OF_LOSS_T failsafe)? drone_core keeps its stream running. */
  stopOffboardLeavesOffboard: boolean;
  /** goTo() outside offboard: a reposition (PX4 DO_REPOSITION), or a PilotError (drone_core). */
  goToOutsideOffboard: boolean;
  /** Velocity setpoints: PX4 yes, drone_core has no service for them (PilotError). */
  velocitySetpoints: boolean;
  upTimeoutMs?: number;
}

const ALT = 6;

function checkShape(r: CommandResult): void {
  expect(typeof r.command).toBe('string');
  expect(r.command.length).toBeGreaterThan(0);
  expect(typeof r.result).toBe('string');
  expect(Number.isFinite(r.latencyMs)).toBe(true);
  expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  expect(Number.isInteger(r.tries)).toBe(true);
  expect(r.tries).toBeGreaterThanOrEqual(1);
}

/** Lets `ms` of vehicle time pass. */
async function elapse(telemetry: Telemetry, ms: number): Promise<void> {
  const t0 = telemetry.vehicleTimeMs ?? 0;
  await waitFor(telemetry, (t) => (t.vehicleTimeMs ?? 0) - t0 >= ms, { timeout: ms + 2000, clock: 'vehicle', what: `${ms} ms of vehicle time` });
}

const distanceTo = (t: Telemetry, n: number, e: number, d: number) => (t.localPosition ? Math.hypot(t.localPosition.north - n, t.localPosition.east - e, t.localPosition.down - d) : null);

export function registerPilotContract(spec: PilotContractSpec): void {
  describe(`Pilot contract: ${spec.name}`, () => {
    let stack: ContractStack | null = null;
    const s = () => {
      if (!stack) throw new Error('contract: the stack is not up');
      return stack;
    };

    beforeAll(async () => {
      stack = await spec.up();
    }, spec.upTimeoutMs ?? 60_000);
    afterAll(async () => {
      await stack?.down();
      stack = null;
    });
    beforeEach(async () => {
      await s().reset();
    }, 30_000);

    /** Airborne at `altitude` (default: the pilot's takeoff default) by the pilot's own takeoff sequence. */
    async function airborne(altitude?: number): Promise<void> {
      const { pilot, telemetry } = s();
      if (spec.takeoff.needsOffboard) await pilot.startOffboard();
      await pilot.arm();
      await pilot.takeoff(altitude);
      const target = altitude ?? spec.takeoff.defaultAltitude;
      await reachAndHold(telemetry, (t) => t.altitude, { target, tolerance: 0.5 }, '1s', { timeout: '40s', clock: 'vehicle', what: 'altitude after takeoff', unit: 'm' });
    }

    it('arm → armed seen; disarm → disarmed seen; results have the CommandResult shape and reach onCommandAck', async () => {
      const { pilot, telemetry } = s();
      const acks: CommandResult[] = [];
      const off = pilot.onCommandAck((a) => acks.push(a));
      try {
        const armed = await pilot.arm();
        checkShape(armed);
        await waitFor(telemetry, (t) => t.armed, { timeout: '2s', clock: 'vehicle', what: 'armed in HEARTBEAT' });
        const disarmed = await pilot.disarm();
        checkShape(disarmed);
        await waitFor(telemetry, (t) => !t.armed, { timeout: '2s', clock: 'vehicle', what: 'disarmed in HEARTBEAT' });
        expect(acks.map((a) => a.command)).toEqual(expect.arrayContaining([armed.command, disarmed.command]));
      } finally {
        off();
      }
      // After off(), nothing more is reported.
      const before = acks.length;
      await pilot.arm();
      expect(acks.length).toBe(before);
    });

    it(`takeoff() climbs to the pilot's default altitude (${spec.takeoff.defaultAltitude} m) and holds it`, async () => {
      await airborne();
      expect(s().telemetry.armed).toBe(true);
      expect(s().telemetry.landedState).not.toBe('ON_GROUND');
    });

    it(`takeoff(${ALT}) climbs to ${ALT} m above home and holds it`, async () => {
      await airborne(ALT);
    });

    it('land → Land seen, then on the ground and disarmed', async () => {
      const { pilot, telemetry } = s();
      await airborne();
      checkShape(await pilot.land());
      await waitFor(telemetry, (t) => t.modeName === 'Land' || t.landedState === 'LANDING', { timeout: '3s', clock: 'vehicle', what: 'Land in HEARTBEAT' });
      await waitFor(telemetry, (t) => t.landedState === 'ON_GROUND' && !t.armed, { timeout: '60s', clock: 'vehicle', what: 'on the ground and disarmed' });
    });

    it('returnToLaunch → Return seen while airborne', async () => {
      const { pilot, telemetry } = s();
      await airborne();
      checkShape(await pilot.returnToLaunch());
      await waitFor(telemetry, (t) => t.modeName === 'Return', { timeout: '3s', clock: 'vehicle', what: 'Return in HEARTBEAT' });
      expect(telemetry.armed).toBe(true);
    });

    it('hold → Hold seen, altitude kept', async () => {
      const { pilot, telemetry } = s();
      await airborne();
      const alt = telemetry.altitude!;
      checkShape(await pilot.hold());
      await waitFor(telemetry, (t) => t.modeName === 'Hold', { timeout: '3s', clock: 'vehicle', what: 'Hold in HEARTBEAT' });
      await reachAndHold(telemetry, (t) => t.altitude, { target: alt, tolerance: 0.7 }, '2s', { timeout: '10s', clock: 'vehicle', what: 'altitude in Hold', unit: 'm' });
    });

    it("setMode('Land') → Land seen", async () => {
      const { pilot, telemetry } = s();
      await airborne();
      checkShape(await pilot.setMode('Land'));
      await waitFor(telemetry, (t) => t.modeName === 'Land', { timeout: '3s', clock: 'vehicle', what: 'Land in HEARTBEAT' });
    });

    it('startOffboard → Offboard seen; goTo and setSetpoint move the vehicle to the points', async () => {
      const { pilot, telemetry } = s();
      await airborne();
      const p = telemetry.localPosition!;
      checkShape(await pilot.startOffboard({ type: 'position', north: p.north, east: p.east, down: -ALT }));
      await waitFor(telemetry, (t) => t.modeName === 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'Offboard in HEARTBEAT' });
      checkShape(await pilot.goTo(5, 0, -ALT));
      await reachAndHold(telemetry, (t) => distanceTo(t, 5, 0, -ALT), { min: 0, max: 0.6 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'distance to (5, 0)', unit: 'm' });
      pilot.setSetpoint({ type: 'position', north: 5, east: 5, down: -ALT });
      await reachAndHold(telemetry, (t) => distanceTo(t, 5, 5, -ALT), { min: 0, max: 0.6 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'distance to (5, 5)', unit: 'm' });
      expect(telemetry.modeName).toBe('Offboard');
    });

    it(`stopOffboard ${spec.stopOffboardLeavesOffboard ? 'ends offboard (setpoint-loss failsafe)' : 'leaves the pilot’s external stream running: still Offboard'}`, async () => {
      const { pilot, telemetry } = s();
      await airborne();
      await pilot.startOffboard();
      await waitFor(telemetry, (t) => t.modeName === 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'Offboard in HEARTBEAT' });
      await pilot.stopOffboard();
      if (spec.stopOffboardLeavesOffboard) {
        await waitFor(telemetry, (t) => t.modeName !== 'Offboard', { timeout: '5s', clock: 'vehicle', what: 'PX4 leaving Offboard after the stream stopped' });
        expect(telemetry.armed).toBe(true);
      } else {
        await expect(waitFor(telemetry, (t) => t.modeName !== 'Offboard', { timeout: '3s', clock: 'vehicle', what: 'leaving Offboard' })).rejects.toThrow(/not reached/);
      }
    });

    it(`goTo outside offboard ${spec.goToOutsideOffboard ? 'repositions the vehicle' : 'is a PilotError, and nothing moves'}`, async () => {
      const { pilot, telemetry } = s();
      await airborne();
      await pilot.hold();
      await waitFor(telemetry, (t) => t.modeName === 'Hold', { timeout: '3s', clock: 'vehicle', what: 'Hold in HEARTBEAT' });
      // Same height, 8 m north.
      const down = telemetry.localPosition!.down;
      if (spec.goToOutsideOffboard) {
        checkShape(await pilot.goTo(8, 0, down));
        await reachAndHold(telemetry, (t) => distanceTo(t, 8, 0, down), { min: 0, max: 1 }, '1s', { timeout: '30s', clock: 'vehicle', what: 'distance to the reposition target', unit: 'm' });
      } else {
        const mode = telemetry.modeName;
        const err = await pilot.goTo(8, 0, down).then(() => null, (e: Error) => e);
        expect(err?.name).toBe('PilotError');
        expect(err?.message).toMatch(/Offboard/);
        expect(telemetry.modeName).toBe(mode);
      }
    });

    it(`velocity setpoints ${spec.velocitySetpoints ? 'move the vehicle along the commanded velocity' : 'are a PilotError'}`, async () => {
      const { pilot, telemetry } = s();
      if (!spec.velocitySetpoints) {
        await expect(pilot.startOffboard({ type: 'velocity', vn: 1, ve: 0, vd: 0 })).rejects.toMatchObject({ name: 'PilotError' });
        return;
      }
      await airborne();
      await pilot.startOffboard({ type: 'velocity', vn: 1.5, ve: 0, vd: 0 });
      await waitFor(telemetry, (t) => (t.localPosition?.vn ?? 0) > 1, { timeout: '5s', clock: 'vehicle', what: 'northward velocity > 1 m/s' });
    });

    it('a refusal is a typed error, reported to onCommandAck, and ground truth is unchanged', async () => {
      const { pilot, telemetry } = s();
      // A stream of an earlier test must be stale before the refusal (PX4 accepts OFFBOARD on recent setpoints).
      await elapse(telemetry, 2000);
      const before = { mode: telemetry.modeName, armed: telemetry.armed };
      const acks: CommandResult[] = [];
      const off = pilot.onCommandAck((a) => acks.push(a));
      try {
        const err = await spec.refusal.provoke(pilot).then(() => null, (e: Error) => e);
        expect(err).not.toBeNull();
        expect(err!.name).toBe(spec.refusal.errorName);
        expect(err!.message.length).toBeGreaterThan(10);
      } finally {
        off();
      }
      expect(acks.length).toBeGreaterThanOrEqual(1);
      expect(acks.at(-1)!.result).not.toMatch(/^(ACCEPTED|CONFIRMED)$/);
      // A second of vehicle time later PX4 is as it was.
      await elapse(telemetry, 1000);
      expect({ mode: telemetry.modeName, armed: telemetry.armed }).toEqual(before);
    });
  });
}
