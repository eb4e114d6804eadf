/**
 * Time-skipping test environment (STYLE G14): the real worker and workflow bundle on the
 * `temporal-test-server` binary, with activities supplied by the test.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  makeTelemetryFilterString,
  Runtime,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Activities } from '../../workflows/options';
import { dialTaskQueue, numberTaskQueue, webhookTaskQueue } from '../../domain/ids';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let runtimeInstalled = false;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows/index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
    });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
  });
}

/** Runs `fn` with workers on the main, numbers, webhook and dial task queues, serving the given activities. */
export async function withWorkers<T>(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: Partial<Activities>,
  fn: () => Promise<T>,
): Promise<T> {
  const workflowBundle_ = await workflowBundle();
  const main = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle_,
    activities,
  });
  const numbers = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: numberTaskQueue(taskQueue),
    workflowBundle: workflowBundle_,
    activities,
  });
  const hooks = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: webhookTaskQueue(taskQueue),
    activities,
  });
  const dials = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: dialTaskQueue(taskQueue),
    activities,
  });
  return dials.runUntil(hooks.runUntil(numbers.runUntil(main.runUntil(fn))));
}
