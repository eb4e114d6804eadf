/**
 * SPEC §7 simulator carrier, its own part of the tree: the Exotel-v1-compatible server (`app.ts`), its
 * Twilio contract (`twilio-app.ts`), the callback dispatcher (`dispatcher.ts`), its rows (`records.ts`,
 * `twilio-records.ts`) and outcome rules (`outcome.ts`). `bin/` mounts it in the local stack; the
 * dialling code knows only `contract.ts` (and a Twilio account's `base_url`, `twilio-contract.ts`).
 */
export { createSimulatorApp, type SimulatorAppDeps } from './app';
export { startSimulatorDispatcher, type SimulatorDispatcherDeps } from './dispatcher';
export { simulatorCredentials, simulatorGreetingFlowUrl } from './contract';
export { createTwilioSimulatorApp } from './twilio-app';
export {
  SIMULATOR_TWILIO_MOUNT_PATH,
  simulatorTwilioApiKeySecret,
  simulatorTwilioAuthToken,
  simulatorTwilioBaseUrl,
} from './twilio-contract';
