/**
 * The built-in simulator: PX4 v1.16 SITL as seen over MAVLink, in-process or standalone.
 *
 *   const world = await startSim({ vehicles: 2, speed: 'max', transport: 'memory' });
 *   const link = await connect(world.vehicle(0).connection);
 *   …
 *   await world.close();
 */
export { SimWorld, SimVehicleRuntime, startSim, type ResetOptions } from './world.js';
export {
  SimWorldOptions,
  SpeedOption,
  SimOptionsError,
  parseSimWorldOptions,
  type SimWorldOptionsInput,
  type VehicleFactory,
} from './options.js';
export { portsForInstance, DETECTIONS_PORT_BASE, type SimPorts } from './ports.js';
export { SimScheduler, type Speed, type Steppable, type SchedulerStats } from './runtime/scheduler.js';
export { Rng } from './runtime/rng.js';
export { VehicleEndpoint } from './mavlink/endpoint.js';
export { MavlinkInstance } from './mavlink/instance.js';
export { DEFAULT_RATES, STREAMS, type LinkMode } from './mavlink/streams.js';
export { PX4_CAPABILITIES, PX4_SW_VERSION, PX4_VERSION, PX4_VERSION_PARTS } from './mavlink/px4-identity.js';
export { SimCamera, sampleLatency, type InView } from './world/camera.js';
export { DetectionUdpPublisher, parseDetectionDatagram } from './world/detections-udp.js';
export {
  CameraOptions,
  DetectorOptions,
  LatencyDistribution,
  WorldObject,
  EDGE_TPU_LATENCY,
  type DetectionMessage,
  type DetectionMarker,
  type DetectionListener,
  type DetectionSource,
  type WorldObjectInput,
  type Point,
} from './world/types.js';
