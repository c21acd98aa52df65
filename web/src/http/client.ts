/**
 * The one way the app talks to the API: same-origin fetch with the session cookie, the CSRF header
 * on every state-changing request (read from the non-httpOnly `taalmel_csrf` cookie), and errors as
 * `ApiError` carrying the API's code, message and details. A 401 tells the session layer, which
 * sends the person to sign-in and back. No token is ever kept in storage.
 */
export { ApiError, type ErrorBody } from './api-error';
import { ApiError, type ErrorBody } from './api-error';

const CSRF_COOKIE = 'taalmel_csrf';
const CSRF_HEADER = 'x-csrf-token';

function csrfToken(): string | null {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return null;
}

type Listener = (error: ApiError) => void;
let onUnauthorized: Listener = () => undefined;
let onEnrolmentRequired: Listener = () => undefined;
export function setUnauthorizedListener(listener: Listener): void {
  onUnauthorized = listener;
}
/** The firm requires TOTP for admins and this admin has none yet: only self-service routes answer. */
export function setEnrolmentListener(listener: Listener): void {
  onEnrolmentRequired = listener;
}

/** Auth routes answer 401 for a wrong password: that is a form error, not an expired session. */
const SIGN_IN_PATHS = ['/api/auth/login', '/api/auth/reauth'];

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page): fall through to a generic message
  }
  const e = body.error;
  return new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${res.status}.`, e?.details ?? {}, retryAfterOf(res.headers.get('retry-after')));
}

/** `Retry-After` in seconds (the API sends delta-seconds); null when absent or not a number. */
function retryAfterOf(header: string | null): number | null {
  const seconds = header === null ? NaN : Number(header.trim());
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = csrfToken();
    if (csrf) headers[CSRF_HEADER] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  if (!res.ok) {
    const error = await toError(res);
    if (res.status === 401 && !SIGN_IN_PATHS.includes(path)) onUnauthorized(error);
    if (error.code === 'totp_enrollment_required') onEnrolmentRequired(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body ?? {}),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body ?? {}),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** Query strings without undefined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

/**
 * PUTs a file to a signed upload URL with progress (fetch has no upload progress; XHR does).
 * The URL's path is used on this origin, so the dev server's proxy carries it too.
 */
export function uploadFile(uploadUrl: string, file: File, onProgress: (fraction: number) => void): Promise<Record<string, unknown>> {
  const url = new URL(uploadUrl, window.location.origin);
  const target = `${url.pathname}${url.search}`;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', target);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload was interrupted. Try again.'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Record<string, unknown>);
      else {
        const e = (body as Partial<ErrorBody> | null)?.error;
        reject(new ApiError(xhr.status, e?.code ?? 'http_error', e?.message ?? `The server answered ${xhr.status}.`, e?.details ?? {}));
      }
    };
    xhr.send(file);
  });
}
