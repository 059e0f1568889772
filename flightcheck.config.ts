// The project's flightcheck configuration (src/config/project.ts): this repository's own scenarios
// fly on the built-in targets, so it names no plugins.
import { defineConfig } from './src/config/project.js';

export default defineConfig({
  scenarios: ['scenarios/'],
});
