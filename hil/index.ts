/**
 * Hardware in the loop, after labgrid: resources (rig files: where the serial device and power
 * switch are), drivers (power, flight controller, companion) and a strategy that brings a rig
 * from off to flying, plus leases so parallel workers never share a rig, and safety interlocks.
 */
export {
  RigSchema,
  RackSchema,
  SerialDevice,
  KNOWN_USB_DEVICES,
  RigConfigError,
  loadRig,
  loadRack,
  rigSigningKey,
  describeDevice,
  type RigConfig,
  type RackConfig,
  type RigSpec,
  type Command,
} from './rig-config.js';
export {
  listSerialPorts,
  scanSysfs,
  portMatchesRig,
  resolveRigDevice,
  waitForRigDevice,
  RigDeviceMissing,
  type SerialPortInfo,
  type PortListing,
  type PortLister,
  type ResolvedDevice,
} from './discovery.js';
export { RigSerialTransport, type RigTransportOptions } from './rig-transport.js';
export { powerDriverFor, runCommand, PowerCommandFailed, type PowerDriver } from './power.js';
export { companionDriverFor, rosAvailable, CompanionNotReady, type CompanionDriver } from './companion.js';
export { flightControllerDriver, rigLinkName, type RigConnection, type FlightControllerOptions } from './flight-controller.js';
export { RigStrategy, type RigState, type RigTransition, type RigDrivers, type FlightControllerDriver, type BringUpResult } from './strategy.js';
export { guardPilot, safetyPolicyOf, describeSafety, RigSafetyRefusal, type SafetyPolicy } from './safety.js';
export { leaseRig, leaseRigs, tryLock, lockOwner, lockFileFor, defaultLeaseDir, NoRigFree, type Lease } from './lease.js';
export { landDisarmHold, housekeepingPilot, type LandResetOptions } from './reset.js';
export { createHilTarget, hilTarget, HilStack, type HilTargetOptions } from './target.js';
