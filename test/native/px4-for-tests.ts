import { localPx4 } from '../../sitl/native/bundle.js';

/** Real PX4 SITL for tests (FLIGHT_PX4_DIR, else the bundle beside the repository), or why not. */
export const px4ForTests = () => localPx4();
