export { RendezvousAttributes, RendezvousSpans } from './attributes.js';
export { type OpenTelemetryOptions, openTelemetry } from './open-telemetry.js';
