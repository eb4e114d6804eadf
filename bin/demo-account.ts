/** The local stacks' demo account (`npm start`, `npm run stack:cluster`): generated once, kept under the data dir. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DemoAccount {
  sid: string;
  api_key: string;
  api_token: string;
}

/** The demo account's credentials from `<dataDir>/demo-account.json`, created on first use. */
export function demoAccount(dataDir: string): DemoAccount {
  const file = path.join(dataDir, 'demo-account.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoAccount;
  const demo = { sid: 'demo', api_key: 'demo_key', api_token: randomBytes(18).toString('hex') };
  writeFileSync(file, JSON.stringify(demo, null, 2), { mode: 0o600 });
  return demo;
}
