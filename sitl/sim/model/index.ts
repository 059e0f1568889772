export * from './types.js';
export { SimVehicle } from './vehicle.js';
export { createParamStore, PX4_PARAMS } from './params.js';
