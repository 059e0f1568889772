'use strict';
/**
 * The run's settings as Jest's preset and reporters read them: Jest loads those as CommonJS,
 * without TypeScript, so they cannot import run-settings.ts. The same value, the same fallback:
 * FLIGHTCHECK_RUN when `flightcheck run` started Jest, else FLIGHT_RESULTS_DIR.
 */
const path = require('node:path');

function reporterSettings(env = process.env) {
  if (env.FLIGHTCHECK_RUN) {
    const s = JSON.parse(env.FLIGHTCHECK_RUN);
    return { resultsDir: s.resultsDir ?? path.resolve('flight-results'), journal: s.journal };
  }
  // An empty FLIGHT_RESULTS_DIR is unset, not the current folder.
  return { resultsDir: path.resolve(env.FLIGHT_RESULTS_DIR || 'flight-results'), journal: undefined };
}

module.exports = { reporterSettings };
