import type { Link } from '../../src/mavlink/link.js';
import { Telemetry } from '../../src/vehicle/telemetry.js';

/**
 * What the ingest benchmark attaches to the link: the vehicle's real telemetry consumer
 * (typed state + time series recording), as every scenario runs with it.
 */
export function attachTelemetryConsumer(link: Link, sysId = 1): { kind: string; check(): void; detach(): void } {
  const telemetry = new Telemetry(link, { sysId });
  return {
    kind: 'Telemetry (state + series)',
    check() {
      if (telemetry.applied === 0 || telemetry.localPosition === null || telemetry.attitude === null) {
        throw new Error('the telemetry consumer saw no messages');
      }
    },
    detach: () => telemetry.detach(),
  };
}
