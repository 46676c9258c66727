/**
 * The console's only way to the server: the public REST API (/v1/*) with the signed-in credential as a
 * bearer token. Every failure becomes an ApiError the pages show as a message, never a raw answer.
 */

export interface FieldError {
  pointer: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail || problem.title);
  }

  /** The message for a field, by its problem+json pointer ("/config/streamArn", or "workspaceId" for a query). */
  fieldError(pointer: string): string | undefined {
    return this.problem.errors?.find((e) => e.pointer === pointer)?.detail;
  }
}

/** status 0: the request never got an answer (network down, server stopped). */
export class NetworkError extends ApiError {
  constructor(cause: unknown) {
    super(0, {
      title: 'The server could not be reached',
      status: 0,
      detail: `Check your connection and try again (${cause instanceof Error ? cause.message : String(cause)}).`,
    });
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

let credential: string | null = null;
let onUnauthorized: (error: ApiError) => void = () => {};

export function setCredential(token: string | null): void {
  credential = token;
}

/** Called when the API answers 401 to a signed-in request: the credential expired or was revoked. */
export function setUnauthorizedHandler(handler: (error: ApiError) => void): void {
  onUnauthorized = handler;
}

export function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.title === 'string') {
      return { ...body, title: body.title, status: res.status };
    }
  } catch {}
  return { title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: undefined };
}

/** One API call with an explicit token (sign-in checks a credential before keeping it). */
export async function requestWith<T>(
  token: string | null,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(`${path}${queryString(opts.query)}`, {
      method,
      headers,
      body,
      signal: opts.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new NetworkError(err);
  }
  if (!res.ok) {
    const error = new ApiError(res.status, await readProblem(res));
    if (res.status === 401 && token !== null && token === credential) onUnauthorized(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** An API call as the signed-in user. */
export function api<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return requestWith<T>(credential, method, path, opts);
}
