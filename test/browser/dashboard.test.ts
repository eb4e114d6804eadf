/**
 * SPEC §9 the dashboard in Debian's Chromium (playwright-core) on a real stack: sign in, watch a campaign
 * made through the API reach Completed live, pause and resume another (buttons only where §4.1 allows),
 * filter, search, export its CSV, upload a CSV into a list with progress; /docs renders from the API's
 * own origin alone and sends a request tried on it. Screenshots go to test-results/dashboard/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../bin/build-dashboard';
import { CHROMIUM_FLAGS, findChromium, freshProfileDir } from '../support/browser';
import { client, startTestStack, type TestStack } from '../support/stack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(root, 'test-results/dashboard');
const ACCOUNT = {
  sid: 'browser',
  api_key: 'browser_key',
  api_token: 'browser_token_0123456789',
  calling_window: '00:00-24:00',
  api_requests_per_minute: 100_000,
};

/** `expect.poll` over reads that never block (locator counts and texts of present elements). */
const POLL = { timeout: 30_000, interval: 200 };

let stack: TestStack;
let api: ReturnType<typeof client>;
let context: BrowserContext;
let page: Page;
const browserLog: string[] = [];
const started = Date.now();

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function createCampaign(body: Record<string, unknown>): Promise<string> {
  const res = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, body);
  expect(res.status, res.text).toBe(200);
  return res.json.response[0].data.id;
}

/** Waits until the page shows `status` and no action is still being answered (its button reads `…`). */
async function campaignStatus(status: string) {
  await page.waitForSelector(`[data-testid="campaign"][data-status="${status}"]`, { timeout: 90_000 });
  await page.waitForFunction(
    "![...document.querySelectorAll('[data-testid^=action-]')].some((b) => b.textContent.endsWith('…'))",
  );
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await buildDashboard();
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
  context = await chromium.launchPersistentContext(freshProfileDir(), {
    executablePath: findChromium()!,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  page = context.pages()[0] ?? (await context.newPage());
  // What the page itself reported, printed when a test fails.
  page.on('pageerror', (e) => browserLog.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && browserLog.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => browserLog.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail') return;
  process.stdout.write(`browser log:\n  ${browserLog.join('\n  ')}\n`);
  await shot(`failed-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
});

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  process.stdout.write(`dashboard browser test: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

describe('§9 the dashboard in Chromium', () => {
  it('signs in with the API key and token, kept in the tab session only', async () => {
    await page.goto(stack.baseUrl);
    await page.fill('input[name=sid]', ACCOUNT.sid);
    await page.fill('input[name=key]', ACCOUNT.api_key);
    await page.fill('input[name=token]', 'wrong-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toMatch(/Not signed in/);
    await shot('01-sign-in-refused');
    await page.fill('input[name=token]', ACCOUNT.api_token);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=signed-in-as]');
    expect(await page.textContent('[data-testid=signed-in-as]')).toBe(ACCOUNT.sid);
    // Runs in the page (a string: this file is typed for Node, not the DOM).
    const storage = await page.evaluate(
      '({ session: Object.keys(sessionStorage), local: localStorage.length, cookies: document.cookie })',
    );
    expect(storage).toEqual({ session: ['outcall.session'], local: 0, cookies: '' });
  });

  it('follows a campaign created through the API to Completed, stats updating without a reload', async () => {
    const id = await createCampaign({
      name: 'Parcel reminders',
      from: ['+919876543210', '+919876543211', '+919876543216', '+919876543218'],
      caller_id: '08012345678',
      read_via_text: 'Your parcel arrives today',
    });
    await page.goto(`${stack.baseUrl}/#/campaigns`);
    await page.waitForSelector(`[data-testid=campaign-row][data-id="${id}"]`);
    await page.click(`[data-testid=campaign-row][data-id="${id}"] a`);
    await page.waitForSelector('[data-testid=campaign]');
    const navigations: string[] = [];
    page.on('framenavigated', (f) => f === page.mainFrame() && navigations.push(f.url()));
    await campaignStatus('Completed');
    expect(navigations, 'no reload while the stats moved').toEqual([]);
    expect(await page.textContent('[data-testid=stat-completed] dd')).toBe('2');
    expect(await page.textContent('[data-testid=stat-failed] dd')).toBe('2');
    expect(await page.getAttribute('[data-testid=campaign-progress]', 'aria-valuenow')).toBe('100');
    await expect.poll(() => page.locator('[data-testid=attempt]').count(), POLL).toBe(4);
    for (const a of ['pause', 'resume', 'complete'])
      expect(await page.isDisabled(`[data-testid=action-${a}]`), `${a} on Completed`).toBe(true);
    await shot('02-campaign-completed');

    const download = page.waitForEvent('download');
    await page.click('[data-testid=export-call-details]');
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^call_sid,number,to,name/);
    expect(csv).toHaveLength(5);
  });

  it('pauses and resumes a running campaign, each button enabled only where SPEC §4.1 allows', async () => {
    const numbers = Array.from({ length: 40 }, (_, i) => `+9198765${String(43000 + i * 7).padStart(5, '0')}`).map(
      (n) => (n.endsWith('000') ? n.replace(/000$/, '001') : n),
    );
    const id = await createCampaign({
      name: 'Payment alerts',
      from: numbers,
      caller_id: '08012345678',
      read_via_text: 'Your payment is due',
      mode: 'custom',
      throttle: 20,
    });
    await page.goto(`${stack.baseUrl}/#/campaigns/${id}`);
    await campaignStatus('InProgress');
    expect(await page.isDisabled('[data-testid=action-resume]')).toBe(true);
    expect(await page.isDisabled('[data-testid=action-complete]'), 'complete needs Paused [C-6]').toBe(true);
    await page.click('[data-testid=action-pause]');
    await campaignStatus('Paused');
    expect(await page.isDisabled('[data-testid=action-pause]')).toBe(true);
    expect(await page.isEnabled('[data-testid=action-resume]')).toBe(true);
    expect(await page.isEnabled('[data-testid=action-complete]')).toBe(true);
    await shot('03-campaign-paused');
    await page.click('[data-testid=action-resume]');
    await campaignStatus('InProgress');
    const read = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`);
    expect(read.json.response[0].data.status).toBe('InProgress');
    await page.click('[data-testid=action-pause]');
    await campaignStatus('Paused');
    await page.click('[data-testid=action-complete]');
    await campaignStatus('Completed');
  });

  it('filters campaigns by status and searches them by name', async () => {
    await page.goto(`${stack.baseUrl}/#/campaigns`);
    await expect.poll(() => page.locator('[data-testid=campaign-row]').count(), POLL).toBe(2);
    await page.fill('[data-testid=name-search]', 'parcel');
    await expect.poll(() => page.locator('[data-testid=campaign-row]').count(), POLL).toBe(1);
    expect(await page.textContent('[data-testid=campaign-row] a')).toBe('Parcel reminders');
    await page.fill('[data-testid=name-search]', '');
    await page.selectOption('[data-testid=status-filter]', 'Paused');
    await expect.poll(() => page.locator('[data-testid=campaign-row]').count(), POLL).toBe(0);
    await page.selectOption('[data-testid=status-filter]', 'Completed');
    await expect.poll(() => page.locator('[data-testid=campaign-row]').count(), POLL).toBe(2);
    await shot('04-campaigns-filtered');
  });

  it('uploads a CSV into a list, showing its progress, then the counts and first failures', async () => {
    await page.goto(`${stack.baseUrl}/#/lists`);
    // Large enough that the import takes more than one of the page's polls, so its bar shows too.
    const rows = ['number,first_name', ...Array.from({ length: 30_000 }, (_, i) => `+9198765${10_000 + i},C${i}`)];
    rows.push('not-a-number,Bad', '+919876510000,Duplicate');
    await page.fill('[data-testid=upload-list-name]', 'July customers');
    await page.setInputFiles('[data-testid=upload-file]', {
      name: 'july.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${rows.join('\n')}\n`),
    });
    // Records every progress bar the page shows, however briefly.
    await page.evaluate(`{
      const seen = (window.seenBars = new Set());
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[role=progressbar][data-testid]')) seen.add(el.dataset.testid);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    }`);
    await page.click('[data-testid=upload-form] button[type=submit]');
    await page.waitForSelector('[data-testid=upload-result]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=upload-status]')).toBe('completed');
    expect(await page.textContent('[data-testid=upload-success]')).toBe('30000');
    expect(await page.textContent('[data-testid=upload-failed]')).toBe('1');
    expect(await page.textContent('[data-testid=upload-failures]')).toContain('not-a-number');
    await expect
      .poll(() => page.locator('[data-testid=list-row] [data-testid=list-count]').first().textContent(), POLL)
      .toBe('30000');
    const bars = await page.evaluate('[...window.seenBars]');
    expect(bars).toContain('upload-progress');
    expect(bars).toContain('import-progress');
    await shot('05-list-uploaded');
  });

  it('renders the API reference at /docs with no request leaving the origin, and tries a request', async () => {
    const origin = new URL(stack.baseUrl).origin;
    const elsewhere: string[] = [];
    const record = (r: { url(): string }) => {
      const url = r.url();
      if (/^https?:/.test(url) && new URL(url).origin !== origin) elsewhere.push(url);
    };
    page.on('request', record);
    try {
      await page.goto(`${stack.baseUrl}/docs`);
      const list = page.locator('[id$="-listCampaigns"]').first();
      await list.waitFor({ timeout: 30_000 });
      await page.click('button.authorize');
      await page.fill('.auth-container input[type=text]', ACCOUNT.api_key);
      await page.fill('.auth-container input[type=password]', ACCOUNT.api_token);
      await page.click('.auth-btn-wrapper button.authorize');
      await page.click('.auth-btn-wrapper button.btn-done');
      await list.locator('.opblock-summary').click();
      await list.locator('tr[data-param-name="sid"] input').fill(ACCOUNT.sid);
      await list.locator('button.execute').click();
      const status = list.locator('.live-responses-table tbody .response-col_status').first();
      await status.waitFor({ timeout: 30_000 });
      expect((await status.textContent())?.trim()).toBe('200');
      expect(
        await list.locator('.live-responses-table tbody .response-col_description').first().textContent(),
      ).toContain('Payment alerts');
      // The operation tried, not the whole reference (a full-page shot of it is over a megabyte).
      await list.screenshot({ path: path.join(SHOTS, '06-docs-try-it.png') });
    } finally {
      page.off('request', record);
    }
    expect(elsewhere, 'requests that left the API origin').toEqual([]);
  });
});
