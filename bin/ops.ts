/**
 * `npm run ops -- <command>`: the operators' CLI (SPEC §8), one module per group in `bin/ops/` around the definitions
 * the REST facade uses; the vocabulary is parsed by bin/ops-args.ts. Config comes only from `loadConfig()`;
 * DATABASE_URL and TEMPORAL_ADDRESS fall back to the local stack's `stack.json`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from './config';
import { parseOpsArgs, USAGE, UsageError } from './ops-args';
import { accountsList, accountsUpsert } from './ops/accounts';
import { campaignsList, campaignsShow, campaignsSignal } from './ops/campaigns';
import { doctor } from './ops/doctor';
import { listsUpload } from './ops/lists-upload';
import { signingSecret } from './outcall';
import { simulatorTwilioAuthToken, simulatorTwilioBaseUrl } from '../simulator/twilio-contract';
import { createOutput, out, OpsError } from './ops/output';
import { campaignsTail } from './ops/tail';

/** Resolves on the first Ctrl-C (or SIGTERM); a second one ends the process at once. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const on = () => {
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

/** Runs one command; resolves to the process exit code. */
export async function runOps(argv: string[], config: Config): Promise<number> {
  let parsed;
  try {
    parsed = parseOpsArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ops: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const o = createOutput(parsed.json);
  const c = parsed.command;
  try {
    switch (c.kind) {
      case 'help':
        out(USAGE);
        return 0;
      case 'accounts.upsert':
        await accountsUpsert(config, o, c.json);
        return 0;
      case 'accounts.list':
        await accountsList(config, o);
        return 0;
      case 'campaigns.list':
        await campaignsList(config, o, c);
        return 0;
      case 'campaigns.show':
        await campaignsShow(config, o, c.campaignId);
        return 0;
      case 'campaigns.signal':
        await campaignsSignal(config, o, c.action, c.campaignId);
        return 0;
      case 'campaigns.tail':
        return await campaignsTail(config, c.campaignId, {
          json: parsed.json,
          intervalMs: c.intervalMs,
          stopped: interrupted(),
        });
      case 'lists.upload':
        return await listsUpload(config, o, c);
      case 'doctor':
        return (await doctor(config, o)) ? 0 : 1;
      case 'simulator.twilio': {
        // Derived from the deployment's signing secret, as the simulator derives it (issue 11).
        const credentials = {
          base_url: simulatorTwilioBaseUrl(config.OUTCALL_PUBLIC_URL),
          account_sid: c.accountSid,
          auth_token: simulatorTwilioAuthToken(c.accountSid, signingSecret(config)),
        };
        o.result(credentials, () =>
          Object.entries(credentials)
            .map(([k, v]) => `${k}  ${v}`)
            .join('\n'),
        );
        return 0;
      }
    }
  } catch (err) {
    const message =
      err instanceof OpsError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`ops: ${message}\n`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await runOps(process.argv.slice(2), loadConfig());
  process.exit(code);
}
