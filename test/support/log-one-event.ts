/**
 * Logs one event about a campaign through the root logger every entry point makes
 * (`createRootLogger(loadConfig(process.env))`), for test/integration/logs_in_a_terminal.test.ts to
 * run on a terminal and through a pipe.
 */
import { loadConfig } from '../../bin/config';
import { createRootLogger } from '../../bin/logger';

const log = createRootLogger(loadConfig(process.env));
log.info({ campaignId: process.argv[2], position: 3, status: 'busy' }, 'Number settled');
