/**
 * The dashboard's only way to Outcall: the public REST API (SPEC §9), with the account's API key and
 * token as HTTP Basic credentials, kept in this browser tab's sessionStorage and nowhere else.
 */

export interface Session {
  sid: string;
  key: string;
  token: string;
}

const SESSION_KEY = 'outcall.session';

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s.sid && s.key && s.token ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/** A failure answer in Exotel's envelope, or a network error (status 0). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: number | null,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface Item<T> {
  code: number;
  status: 'success' | 'failure';
  data?: T;
  error_data?: { code: number; message: string; description: string };
}

export interface Envelope<T> {
  request_id: string;
  http_code: number;
  metadata?: { count: number; offset: number; limit: number; total: number };
  response: Item<T>[];
}

const authHeader = (s: Session) => `Basic ${btoa(`${s.key}:${s.token}`)}`;

/** `/v2/accounts/<sid>` + `path`. */
export const accountPath = (s: Session, path: string) => `/v2/accounts/${encodeURIComponent(s.sid)}${path}`;

function failureOf(status: number, body: unknown): ApiFailure {
  const item = (body as Envelope<unknown> | null)?.response?.[0];
  const e = item?.error_data;
  return new ApiFailure(status, e?.code ?? null, e?.description ?? `HTTP ${status}`);
}

export async function call<T>(s: Session, method: string, path: string, body?: unknown): Promise<Envelope<T>> {
  let res: Response;
  try {
    res = await fetch(accountPath(s, path), {
      method,
      // The credentials travel in the Authorization header. Omitting the browser's own credentials
      // also keeps a 401's Basic challenge from opening the browser's login dialog (Fetch standard).
      credentials: 'omit',
      headers: { authorization: authHeader(s), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiFailure(0, null, `Outcall cannot be reached: ${(err as Error).message}`);
  }
  const json = (await res.json().catch(() => null)) as Envelope<T> | null;
  if (!res.ok || !json) throw failureOf(res.status, json);
  return json;
}

/** One resource's data (`response[0].data`). */
export async function one<T>(s: Session, method: string, path: string, body?: unknown): Promise<T> {
  const env = await call<T>(s, method, path, body);
  const item = env.response[0];
  if (!item || item.status !== 'success' || item.data === undefined) throw failureOf(env.http_code, env);
  return item.data;
}

/** A list endpoint's records and total. */
export async function many<T>(s: Session, path: string): Promise<{ items: T[]; total: number }> {
  const env = await call<T>(s, 'GET', path);
  return {
    items: env.response.flatMap((i) => (i.data !== undefined ? [i.data] : [])),
    total: env.metadata?.total ?? 0,
  };
}

/** Call-details: the bare records in `response`. */
export async function bare<T>(s: Session, path: string): Promise<{ items: T[]; total: number }> {
  const env = await call<T>(s, 'GET', path);
  return { items: env.response as unknown as T[], total: env.metadata?.total ?? 0 };
}

/** Downloads a CSV with the session's credentials and hands it to the browser as a file. */
export async function downloadCsv(s: Session, path: string, filename: string): Promise<void> {
  const res = await fetch(accountPath(s, path), {
    credentials: 'omit',
    headers: { authorization: authHeader(s), accept: 'text/csv' },
  });
  if (!res.ok) throw failureOf(res.status, await res.json().catch(() => null));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** POSTs a multipart form, reporting upload progress (fetch cannot, so XMLHttpRequest). */
export function upload<T>(
  s: Session,
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', accountPath(s, path));
    xhr.setRequestHeader('authorization', authHeader(s));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiFailure(0, null, 'the upload failed: Outcall cannot be reached'));
    xhr.onload = () => {
      let body: Envelope<T> | null = null;
      try {
        body = JSON.parse(xhr.responseText) as Envelope<T>;
      } catch {
        body = null;
      }
      const data = body?.response?.[0]?.data;
      if (xhr.status !== 200 || data === undefined) reject(failureOf(xhr.status, body));
      else {
        onProgress(1);
        resolve(data);
      }
    };
    xhr.send(form);
  });
}
