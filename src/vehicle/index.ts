export * from './px4-modes.js';
export type { NedPoint } from './frame.js';
export { Series, type SeriesSpec, type SeriesColumns } from './series.js';
export {
  Telemetry,
  SERIES_NAMES,
  type TelemetryOptions,
  type TelemetrySnapshot,
  type SeriesName,
  type SeriesColumnName,
  type SampleListener,
  type AnySeries,
  type UpdateListener,
  type StatusText,
  type ModeState,
  type LocalPosition,
  type AttitudeState,
  type GlobalPosition,
  type BatteryState,
  type HomeState,
  type GpsState,
  type LandedStateName,
  type SeverityName,
  type MissionProgress,
  type MissionItemReached,
  type MissionStateName,
} from './telemetry.js';
export {
  VehicleClock,
  hostClock,
  clockFor,
  Deadline,
  deadlineFor,
  TimeoutOptions,
  InvalidOptionsError,
  estimateClockOffset,
  ClockOffsetOptions,
  ClockSyncError,
  type ClockView,
  type ClockOffset,
  type TimeoutOptionsInput,
} from './clock.js';
export { waitFor, waitForMissionItem, reachAndHold, WaitTimeout, Band, formatValue, formatDuration, type WaitOptions, type HoldOptions, type HoldResult, type Elapsed, type WaitResult } from './wait.js';
export {
  Setpoint,
  PositionSetpoint,
  VelocitySetpoint,
  type Pilot,
  type CommandResult,
  type ParamAccess,
  type FailureUnitName,
  type FailureTypeName,
} from './pilot.js';
export { CommandDenied, CommandNotEffective, CommandTimeout, MissionError, ParamError, PilotError } from './errors.js';
export { MissionTransfer, missionResultName, type PlanType, type WireItem, type TransferResult, type MissionTransferOptions } from './mission-transfer.js';
export { MissionPlanItem, FenceZone, RallyPoint, missionToWire, missionFromWire, fenceToWire, rallyToWire, toLatLon, toLatLonE7, fromLatLonE7, type HomeAnchor } from './mission-plan.js';
export { CommandSender, commandName, resultName, type CommandAckSample, type CommandSenderOptions } from './command-sender.js';
export { ParamClient, encodeParamBytes, decodeParamBytes, type ParamClientOptions } from './params.js';
export { SetpointStreamer, type SetpointSent, type SetpointStreamerOptions } from './setpoint-streamer.js';
export { MavlinkPilot, type MavlinkPilotOptions } from './mavlink-pilot.js';
export { createVehicle, type Vehicle, type CreateVehicleOptions } from './vehicle.js';
export * from './detections.js';
export { waitUntilArmable, failingCheckTexts, NotReadyToArm, type ReadinessOptions } from './readiness.js';
export { requestAutopilotVersion, formatSwVersion, type AutopilotVersionInfo } from './autopilot-version.js';
