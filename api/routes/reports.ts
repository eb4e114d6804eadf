/**
 * SPEC §4.10 per-number report, streamed as CSV: `GET /v2/.../campaigns/{id}/report.csv` with Basic
 * auth (ext), and the `report_url` of the terminal `status_callback` (§6.1): the same report at
 * `/reports/{id}/report.csv?token=…`, authorised by a signed token valid 7 days instead.
 */
import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { Context } from 'hono';
import { findCampaign } from '../../db/queries/campaigns';
import { campaignTimeZone, reportRows } from '../../db/queries/reports';
import { openReportCopy } from '../../db/queries/report-copy';
import { crlfRecords, csvRow } from '../../domain/csv';
import { formatOptional } from '../../domain/time';
import { verifyReportToken } from '../../domain/report-token';
import type { AppDeps } from '../deps';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

const HEADER = [
  'number',
  'name',
  'status',
  'reason',
  'attempts',
  'last_status',
  'last_duration',
  'first_attempt_at',
  'last_attempt_at',
  'next_attempt_at',
];

/**
 * Streams a CSV download (SPEC §4.10): the header, then each batch of rows as one chunk. Each write
 * waits until the client has taken the previous chunk (the Node response's backpressure reaches the
 * database cursor), so memory stays flat however many rows there are; a client that goes away stops
 * the query.
 */
export function streamCsv(
  c: Context,
  deps: Pick<AppDeps, 'log'>,
  opts: { filename: string; header: string[]; batches: AsyncIterable<unknown[][]>; what: Record<string, unknown> },
) {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${opts.filename}"`);
  return stream(
    c,
    async (s) => {
      await s.write(csvRow(opts.header));
      for await (const rows of opts.batches) {
        if (s.aborted) break; // leaving the loop closes the cursor
        let chunk = '';
        for (const r of rows) chunk += csvRow(r);
        await s.write(chunk);
      }
    },
    async (err) => {
      // Headers are gone by now: the client sees a truncated body; the log says why.
      deps.log.error({ err, ...opts.what }, 'CSV stream failed');
    },
  );
}

async function* reportBatches(deps: AppDeps, campaignId: string, timeZone: string): AsyncGenerator<unknown[][]> {
  for await (const rows of reportRows(deps.db, campaignId)) {
    yield rows.map((r) => [
      r.number,
      r.name,
      r.status,
      r.reason,
      r.attempts,
      r.last_status,
      r.last_duration,
      formatOptional(r.first_attempt_at, timeZone),
      formatOptional(r.last_attempt_at, timeZone),
      formatOptional(r.next_attempt_at, timeZone),
    ]);
  }
}

/**
 * The report as PostgreSQL's COPY renders it (db/queries/report-copy.ts), chunk by chunk with the
 * records' ends made CRLF; or, for a zone PostgreSQL does not know (an offset such as `+05:30`,
 * which newer runtimes accept as a zone and PostgreSQL would read as POSIX, west-positive), row by
 * row as call-details are. Both give the same bytes (test/api/report-copy.test.ts).
 */
async function streamReport(c: Context, deps: AppDeps, campaignId: string, timeZone: string) {
  const filename = `campaign-${campaignId}-report.csv`;
  const copied = NAMED_ZONE.test(timeZone) ? await openReportCopy(deps.db.$client, campaignId, timeZone) : null;
  if (!copied)
    return streamCsv(c, deps, {
      filename,
      header: HEADER,
      batches: reportBatches(deps, campaignId, timeZone),
      what: { campaignId },
    });
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${filename}"`);
  return stream(
    c,
    async (s) => {
      await s.write(csvRow(HEADER));
      const records = { quoted: false };
      for await (const chunk of copied) {
        if (s.aborted) break; // leaving the loop cancels the COPY
        await s.write(crlfRecords(chunk, records));
      }
    },
    async (err) => deps.log.error({ err, campaignId }, 'CSV stream failed'),
  );
}

/** An IANA zone name (`Asia/Kolkata`, `UTC`), as opposed to an offset. */
const NAMED_ZONE = /^[A-Za-z]/;

/** The Basic-auth report, mounted under the authenticated `/v2/accounts/:sid` routes. */
export function createReportRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/v2/accounts/:sid/campaigns/:id/report.csv', async (c) => {
    const account = c.get('account');
    const id = c.req.param('id');
    if (!(await findCampaign(deps.db, account.sid, id)))
      throw new ApiError(
        'CAMPAIGN_NOT_FOUND',
        `campaign ${JSON.stringify(id)} does not exist in account ${account.sid}`,
      );
    return streamReport(c, deps, id, account.timezone);
  });
}

/** The signed `report_url` target: no Basic auth, a token bound to one campaign and an expiry. */
export function createSignedReportRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/reports/:id/report.csv', async (c) => {
    const id = c.req.param('id');
    const granted = verifyReportToken(createHmac, deps.signingSecret, c.req.query('token') ?? '', Date.now());
    if (granted !== id) throw new ApiError('UNAUTHORIZED', 'token: missing, invalid or expired report token');
    const timeZone = await campaignTimeZone(deps.db, id);
    if (timeZone === undefined)
      throw new ApiError('CAMPAIGN_NOT_FOUND', `campaign ${JSON.stringify(id)} does not exist`);
    return streamReport(c, deps, id, timeZone);
  });
}
