import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { freshDatabase, type TestDatabase } from '../support/db';
import { call, fakeEngine, testDeps } from '../support/api';

let database: TestDatabase;

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('§2 health', () => {
  it('answers /healthz without credentials', async () => {
    const res = await call(createApp(testDeps(database.db)), null, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json.response[0]).toMatchObject({ code: 200, status: 'success', data: { status: 'ok' } });
  });

  it('answers /readyz 200 when the database and the engine answer', async () => {
    const res = await call(createApp(testDeps(database.db)), null, 'GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.json.response[0].data).toEqual({ status: 'ready', database: 'ok', temporal: 'ok' });
  });

  it('answers /readyz 503 naming what is unreachable', async () => {
    const res = await call(createApp(testDeps(database.db, fakeEngine({ unavailable: true }))), null, 'GET', '/readyz');
    expect(res.status).toBe(503);
    expect(res.json.response[0].error_data).toMatchObject({
      code: 5004,
      description: 'database: ok, temporal: unreachable',
    });
  });
});
