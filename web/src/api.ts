import { fetchUtils, HttpError } from 'react-admin';

/** Every call goes to the same origin that served the console (the API serves it, or Vite proxies). */
export const API_URL = '/api';

/** The API's error body (api/src/common/api-error.ts). */
export interface ApiErrorBody {
  statusCode: number;
  message: string;
  errors?: { field: string; reason: string }[];
  [extra: string]: unknown;
}

/** What react-admin forms read from `error.body.errors`: one message per field, the rest in root. */
export type FormErrors = Record<string, unknown> & { root?: { serverError: string } };

function isApiErrorBody(x: unknown): x is ApiErrorBody {
  return typeof x === 'object' && x !== null && typeof (x as ApiErrorBody).message === 'string';
}

/**
 * The API answers `{ statusCode, message, errors: [{ field, reason }] }`; react-admin shows
 * `body.errors` as `{ field: reason }` next to the inputs, and `root.serverError` as a notification.
 */
export function toHttpError(status: number, statusText: string, json: unknown): HttpError {
  if (!isApiErrorBody(json)) {
    const message =
      status === 0 ? 'The API did not answer' : `${status} ${statusText || 'error'}`.trim();
    return new HttpError(message, status, json ?? {});
  }
  const fields: Record<string, string> = {};
  for (const e of json.errors ?? []) {
    // Nested DTO paths (`targets.0`) name array entries; the input is the array.
    const name = e.field.replace(/\.\d+$/, '');
    if (!fields[name]) fields[name] = e.reason;
  }
  const { errors: list, ...rest } = json;
  const body: Omit<ApiErrorBody, 'errors'> & { errors?: FormErrors; fieldErrors: typeof list } = {
    ...rest,
    fieldErrors: list ?? [],
  };
  if (Object.keys(fields).length > 0)
    body.errors = { ...fields, root: { serverError: json.message } };
  return new HttpError(json.message, status, body);
}

/** ra-data-simple-rest's client: the httpOnly session cookie goes with every request. */
export async function httpClient(url: string, options: fetchUtils.Options = {}) {
  try {
    return await fetchUtils.fetchJson(url, { ...options, credentials: 'include' });
  } catch (err) {
    if (err instanceof HttpError) throw toHttpError(err.status, err.message, err.body);
    // fetch itself failed: the API is down or the network is gone
    throw new HttpError('The API cannot be reached; check the connection and retry', 0, {});
  }
}

/** A JSON call outside the CRUD contract (actions, auth, bulk). Rejects with the same HttpError. */
export async function apiFetch<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const { json } = await httpClient(`${API_URL}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  return json as T;
}

/** The field errors of a failed call, for forms that are not react-admin forms. */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  const body = (err as HttpError | undefined)?.body as
    { fieldErrors?: { field: string; reason: string }[] } | undefined;
  const out: Record<string, string> = {};
  for (const e of body?.fieldErrors ?? []) out[e.field.replace(/\.\d+$/, '')] ??= e.reason;
  return out;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string') return err;
  return 'Something went wrong';
}
