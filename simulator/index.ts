/**
 * SPEC §7 simulator carrier, its own part of the tree: the Exotel-v1-compatible server (`app.ts`),
 * the callback dispatcher (`dispatcher.ts`), its rows (`records.ts`) and outcome rules
 * (`outcome.ts`). `bin/` mounts it in the local stack; the dialling code knows only `contract.ts`.
 */
export { createSimulatorApp, type SimulatorAppDeps } from './app';
export { startSimulatorDispatcher, type SimulatorDispatcherDeps } from './dispatcher';
export { simulatorGreetingFlowUrl, SIMULATOR_API_KEY, SIMULATOR_API_TOKEN } from './contract';
