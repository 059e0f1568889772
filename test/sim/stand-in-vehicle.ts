/**
 * A stand-in vehicle model for endpoint unit tests that need to observe what the endpoint calls
 * (how often a command ran, a model that throws). Flight behaviour is tested with the real model.
 */
import type {
  CommandParams, CommandResult, CommandSource, ManualControlInput, ParamInfo, ParamStore,
  PositionTargetLocalNed, SimVehicleApi, SimVehicleOptions, StatusText, VehicleState,
} from '../../sitl/sim/model/types.js';
import { MissionStore } from '../../sitl/sim/model/mission-store.js';

const INFOS: ParamInfo[] = [
  { name: 'MIS_TAKEOFF_ALT', type: 'REAL32', default: 2.5, min: 0, description: 'takeoff altitude' },
  { name: 'SYS_FAILURE_EN', type: 'INT32', default: 0, min: 0, max: 1, description: 'failure injection' },
];

class StandInParams implements ParamStore {
  private readonly values = new Map(INFOS.map((i) => [i.name, i.default]));
  has(name: string): boolean {
    return this.values.has(name);
  }
  get(name: string): number {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`unknown param ${name}`);
    return v;
  }
  info(name: string): ParamInfo | undefined {
    return INFOS.find((i) => i.name === name);
  }
  set(name: string, value: number): boolean {
    if (!this.values.has(name) || !Number.isFinite(value)) return false;
    this.values.set(name, value);
    return true;
  }
  list(): readonly ParamInfo[] {
    return INFOS;
  }
  indexOf(name: string): number {
    return INFOS.findIndex((i) => i.name === name);
  }
  get count(): number {
    return INFOS.length;
  }
}

export class StandInVehicle implements SimVehicleApi {
  readonly sysId: number;
  readonly params = new StandInParams();
  readonly missions = new MissionStore();
  readonly executed: number[] = [];
  readonly throwingCommand = 31000;
  private t = 0;
  private texts: StatusText[] = [];
  private readonly st: VehicleState;

  constructor(opts: SimVehicleOptions) {
    this.sysId = opts.sysId;
    const v0 = { x: 0, y: 0, z: 0 };
    this.st = {
      sysId: opts.sysId, timeUs: 0, armed: false, mainMode: 4, subMode: 3, modeName: 'Hold',
      customMode: (4 << 16) | (3 << 24), baseMode: 1, systemStatus: 3, landedState: 1,
      position: { ...v0 }, velocity: { ...v0 }, acceleration: { ...v0 },
      attitude: { roll: 0, pitch: 0, yaw: 0, rollRate: 0, pitchRate: 0, yawRate: 0 },
      global: { lat: 47.397742, lon: 8.545594, alt: 488, relativeAlt: 0, vx: 0, vy: 0, vz: 0, headingDeg: 0 },
      groundSpeed: 0, climbRate: 0, throttle: 0,
      home: { lat: 47.397742, lon: 8.545594, alt: 488, x: 0, y: 0, z: 0, valid: true },
      battery: { voltage: 16.2, current: 0.5, remaining: 100, consumedMah: 0, cellCount: 4, warning: 0 },
      gps: { fixType: 3, satellites: 10, eph: 0.7, epv: 1.2, lat: 47.397742, lon: 8.545594, alt: 488 },
      failsafe: { positionInvalid: false, offboardLost: false, batteryLow: false, batteryCritical: false, batteryEmergency: false, active: false, action: '' },
      failures: { gps: false, battery: false, mavlinkSignal: false },
      sensors: { present: 0, enabled: 0, health: 0 },
      userCustomMode: (4 << 16) | (3 << 24), canArm: true,
      offboardSetpoint: null,
      setpoint: { position: { ...v0 }, velocity: { ...v0 }, acceleration: { ...v0 }, yaw: NaN, yawRate: 0, target: { ...v0 } },
      flight: { armedTimeUs: null, takeoffTimeUs: null, uuid: 0 },
      truth: { position: { ...v0 }, velocity: { ...v0 } },
    };
  }

  get timeUs(): number {
    return this.t;
  }
  step(dtS: number): void {
    this.t += Math.round(dtS * 1e6);
    this.st.timeUs = this.t;
  }
  command(cmd: number, _params: CommandParams, _source: CommandSource): CommandResult {
    if (cmd === this.throwingCommand) throw new Error('stand-in: command handler failed');
    this.executed.push(cmd);
    this.texts.push({ severity: 6, text: `stand-in ran ${cmd}`, source: 'statustext' });
    return { result: 0 };
  }
  setPositionTargetLocalNed(_sp: PositionTargetLocalNed): void {}
  state(): VehicleState {
    return this.st;
  }
  drainStatusTexts(): StatusText[] {
    return this.texts.splice(0);
  }
  gcsHeartbeat(_source: CommandSource): void {}
  manualControl(_input: ManualControlInput): void {}
}
