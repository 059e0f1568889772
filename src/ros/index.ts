/**
 * ROS 2 side of the system under test (DroneOS): drone_core's services as a Pilot whose every
 * answer is confirmed on MAVLink ground truth, the detector's topic as a DetectionSource, and
 * drone_core's state topic as an extra observer. rclnodejs is loaded lazily and only where ROS 2
 * is sourced; importing this module never loads it.
 */
export type { RosApi, RosApiFactory, RosClient, RosNode, RosSubscription, RosInitOptions, SubscriptionQos, Reliability } from './ros-api.js';
export { RosUnavailable, DroneCoreRefused, DroneCoreMismatch, DroneCoreTimeout } from './errors.js';
export { loadRos, rosSourced, rosDistro, rosUnavailableReason, rclnodejsDir, NOT_SOURCED, NOT_INSTALLED, type LoadRosOptions, type AvailabilityProbe } from './availability.js';
export { RosSession, type RosSessionOptions, type CallTimeouts } from './session.js';
export {
  TRIGGER_SERVICES,
  TRIGGER_TYPE,
  SET_POSITION_TYPE,
  GET_STATE_TYPE,
  UPLOAD_MISSION_TYPE,
  MISSION_CONTROL_TYPE,
  GET_MISSION_STATUS_TYPE,
  MISSION_CONTROL_COMMANDS,
  WAYPOINT_FRAME,
  DRONE_STATE_TYPE,
  MARKER_ARRAY_TYPE,
  checkDroneName,
  serviceName,
  serviceType,
  droneStateTopic,
  detectionsTopic,
  setPositionRequest,
  altitudeToDown,
  parseTriggerResponse,
  parseGetState,
  parseDroneState,
  missionToWaypoints,
  missionControlRequest,
  parseUploadMissionResponse,
  parseMissionControlResponse,
  parseGetMissionStatus,
  navStateToMode,
  modeToNavState,
  type TriggerService,
  type DroneCoreService,
  type SetPositionRequest,
  type DroneCoreState,
  type MissionService,
  type MissionControlCommand,
  type Waypoint,
  type DroneCoreMissionStatus,
  type UploadMissionResponse,
  type MissionControlResponse,
} from './drone-core-interface.js';
export { DroneCorePilot, droneCorePilot, type DroneCorePilotOptions, type DroneCoreResult, type DroneCoreTransferResult, type ConfirmKind } from './drone-core-pilot.js';
export * from './ground-truth.js';
export { RosDetectionSource, parseMarkerArray, type RosDetectionMessage, type RosDetectionOptions, type MarkerArrayParse } from './detections.js';
export { DroneStateObserver, type DroneStateSample } from './drone-state.js';
export { rosRequirements, generatedSetPosition, type RosStatusProbe } from './status.js';
export { droneCoreUnavailableReason, droneCoreStackReason, stackDomainId, openDroneCore, type DroneCoreWhere, type DroneCoreStack } from './drone-core-stack.js';
