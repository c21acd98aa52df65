/**
 * `/r/<token>`: the page a client opens from an email. A small self-contained HTML page (until the
 * web app serves its own) that reads the checklist through the link's JSON routes, uploads files
 * and marks items not applicable. The token stays out of Referer headers and the page runs only
 * its own script (nonce in the Content-Security-Policy).
 *
 * A link whose token cannot be one (cut off when copied, mangled by a mail client) gets the same
 * page with its message written in and 410, the answer the JSON route gives an unknown, expired or
 * ended link: a person reads a sentence, never an error body, and nothing tells a never-issued
 * token from a dead one.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { route, type RouteSpec } from '../routes';
import { isLinkToken } from './schema';

const SCRIPT = `
const token = location.pathname.split('/').pop();
const api = (p) => '/api/requests/' + encodeURIComponent(token) + p;
const main = document.getElementById('main');
const el = (tag, text, attrs) => { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = text; for (const k in (attrs || {})) e.setAttribute(k, attrs[k]); return e; };
const STATUS = { outstanding: 'Waiting for you', received: 'Received (you can add more files)', not_applicable: 'Not applicable' };
let notice = null;
async function bodyOf(res) { try { return await res.json(); } catch (e) { return null; } }
async function errorOf(res, parsed) {
  const body = parsed === undefined ? await bodyOf(res) : parsed;
  const code = body && body.error ? body.error.code : '';
  // Too many uploads at once (details.limit) says what to wait for; other 429s are too many attempts.
  if (res.status === 429) return body && body.error && body.error.details && body.error.details.limit ? body.error.message : 'Too many attempts from here. Wait a few minutes and try again.';
  if (code === 'invalid_input' || code === 'validation_failed') return 'The file could not be sent as chosen (it may have changed or be empty). Choose it again.';
  if (code === 'upload_url_expired' || code === 'upload_url_used' || code === 'upload_url_invalid') return 'The upload did not go through. Please try again.';
  if (res.status === 503) return 'The upload took too long or the service is busy. Please try again.';
  return body && body.error && body.error.message ? body.error.message : 'Something went wrong. Please try again.';
}
// The period after a dash, as the emails write it: a quarter's text has parentheses of its own.
function itemLabel(item) { return item.description + (item.periodText ? ' — ' + item.periodText : ''); }
// An upload URL refused before its body was read (429/503: other uploads at once, the service busy)
// is still unused: it is kept, per item and file, and sent again after Retry-After or on the next
// click, so retries never ask for new URLs (each counts toward the link's unused URLs).
const pending = {};
const sameFile = (a, b) => a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
async function upload(item, input, button, say) {
  const file = input.files[0];
  if (!file) { say('Choose a file first.', true); return; }
  if (file.size === 0) { say('This file is empty. Choose the file again, or another one.', true); return; }
  const kept = pending[item.id];
  if (kept) clearTimeout(kept.timer);
  button.disabled = true; say('Uploading ' + file.name + '…', false);
  try {
    const reuse = kept && sameFile(kept.file, file) && kept.expiresAt > Date.now();
    let url = reuse ? kept.url : null;
    let expiresAt = reuse ? kept.expiresAt : 0;
    delete pending[item.id];
    if (!url) {
      const r = await fetch(api('/items/' + item.id + '/uploads'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size }) });
      if (!r.ok) { say(await errorOf(r), true); return; }
      const b = await r.json();
      url = b.uploadUrl;
      expiresAt = Date.parse(b.expiresAt);
    }
    const put = await fetch(url, { method: 'PUT', body: file });
    if (!put.ok) {
      const refusal = await bodyOf(put);
      const code = refusal && refusal.error ? refusal.error.code : '';
      if (put.status === 429 || put.status === 503) {
        const again = { url: url, file: file, expiresAt: expiresAt, timer: null };
        pending[item.id] = again;
        // An upload that ran past its deadline is kept for the next click but not sent again on its
        // own: on a connection too slow to finish, resending every few seconds would never end.
        if (code === 'request_timeout') { say(await errorOf(put, refusal), true); return; }
        const wait = Math.max(1, Number(put.headers.get('retry-after')) || 10);
        again.timer = setTimeout(() => { if (pending[item.id] === again && button.isConnected) upload(item, input, button, say); }, wait * 1000);
        say(await errorOf(put, refusal) + ' It will be tried again in ' + wait + ' seconds.', true);
        return;
      }
      say(await errorOf(put, refusal), true);
      return;
    }
    notice = 'Received ' + file.name + ' for ' + itemLabel(item) + '. Thank you.';
    await load();
  } catch (e) {
    say('The upload did not go through (the connection may have dropped). Please try again.', true);
  } finally {
    button.disabled = false;
  }
}
function notApplicableForm(item, li, say) {
  const form = el('form', null, { class: 'reason' });
  const id = 'reason-' + item.id;
  const label = el('label', 'Why does ' + itemLabel(item) + ' not apply?', { for: id });
  const input = el('input', null, { id: id, type: 'text', maxlength: '2000', required: '' });
  const send = el('button', 'Send', { type: 'submit' });
  const cancel = el('button', 'Cancel', { type: 'button' });
  cancel.onclick = () => form.remove();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const reason = input.value.trim();
    if (!reason) { say('Say in a few words why it does not apply.', true); input.focus(); return; }
    send.disabled = true;
    try {
      const r = await fetch(api('/items/' + item.id + '/not-applicable'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: reason }) });
      if (!r.ok) { say(await errorOf(r), true); return; }
      notice = itemLabel(item) + ' is marked not applicable. Thank you.';
      await load();
    } catch (e) {
      say('That did not go through. Please try again.', true);
    } finally {
      send.disabled = false;
    }
  };
  form.append(label, input, send, cancel);
  li.append(form);
  input.focus();
}
async function load() {
  const res = await fetch(api(''));
  if (!res.ok) { const message = await errorOf(res); main.replaceChildren(el('p', message)); return; }
  const body = await res.json();
  main.replaceChildren();
  main.append(el('h1', body.firmName + ': ' + body.title), el('p', 'For ' + body.clientName + ', due ' + body.dueDateText + '. Questions: ' + body.contact.name + ' <' + body.contact.email + '>'));
  // The return these documents feed, its period as the calendar names it (a QRMP filer's quarter).
  if (body.deadline) main.append(el('p', 'Needed for the ' + body.deadline.returnType + ' return of ' + (body.periodLabel || body.deadline.period) + '.', { class: 'return' }));
  const status = el('p', notice, { role: 'status', class: 'done' });
  main.append(status);
  notice = null;
  const list = el('ul');
  for (const item of body.items) {
    const li = el('li', null, { 'data-item': item.id });
    li.append(el('strong', itemLabel(item)), el('span', ' — ' + (STATUS[item.status] || item.status)));
    const message = el('p', null, { role: 'alert', class: 'message' });
    const say = (text, isError) => { message.textContent = text; message.className = isError ? 'message error' : 'message'; };
    // A received item takes more files; one marked not applicable takes none.
    if (item.status !== 'not_applicable') {
      const row = el('div', null, { class: 'controls' });
      const id = 'file-' + item.id;
      const label = el('label', 'File for ' + itemLabel(item), { for: id });
      const input = el('input', null, { id: id, type: 'file', accept: '.pdf,.png,.jpg,.jpeg,.xlsx,.csv' });
      const button = el('button', 'Upload', { type: 'button', 'aria-label': 'Upload the file for ' + itemLabel(item) });
      button.onclick = () => upload(item, input, button, say);
      row.append(label, input, button);
      if (item.status === 'outstanding') {
        const na = el('button', 'Not applicable', { type: 'button', 'aria-label': 'Mark ' + itemLabel(item) + ' as not applicable' });
        na.onclick = () => { if (!li.querySelector('form')) notApplicableForm(item, li, say); };
        row.append(na);
      }
      li.append(row);
    }
    li.append(message);
    list.append(li);
  }
  main.append(list);
  if (new URLSearchParams(location.search).has('unsubscribe')) {
    const stop = el('button', 'Stop emails about requests', { type: 'button' });
    stop.onclick = async () => { const r = await fetch(api('/unsubscribe'), { method: 'POST' }); main.append(el('p', r.ok ? 'You will get no more emails; the firm will call you instead.' : 'Could not unsubscribe.', { role: 'status' })); };
    main.append(stop);
  }
}
load();
`;

/** What the page says for a link that opens nothing (the script shows the API's message otherwise). */
export const INVALID_LINK_MESSAGE = 'This link is not valid or has expired. Ask the firm for a new one.';

/**
 * What `/r` alone says (the link's path with its code cut off, or typed from memory): what the page
 * is for and how to reach it, rather than the API's JSON 404.
 */
export const BARE_LINK_MESSAGE =
  "This is where a firm's request for documents opens. It needs the whole link from the firm's email: /r/ followed by a long code. Open the link in the email itself (or copy all of it, to its last character). If the email is lost or the link no longer works, ask the firm to send a new one.";

/** Any string reaches the handler: the token's shape is checked there, to answer with the page. */
const anyToken = z.object({ token: z.string() });

function page(main: string, nonce?: string): string {
  const script = nonce ? `<script nonce="${nonce}">${SCRIPT}</script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Documents requested</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}li{margin:1rem 0}button{margin-left:.4rem}label{display:block;font-size:.9rem;margin:.3rem 0}.controls,.reason{margin:.3rem 0}.message:empty,.done:empty{display:none}.error{color:#a40000}.done{color:#1b5e20;font-weight:600}</style></head>
<body><main id="main">${main}</main>${script}</body></html>`;
}

/** The headers every answer of the page carries: no script but its own, no Referer, never cached. */
function pageHeaders(ctx: { set(name: string, value: string): void }, nonce: string): void {
  ctx.set('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
  ctx.set('referrer-policy', 'no-referrer');
  ctx.set('cache-control', 'no-store');
}

/** `/r` with no whole code: a page in words (404: there is nothing here to open), no script. */
function bareLinkPage(ctx: { set(name: string, value: string): void; type: string; status: number; body: unknown }): void {
  pageHeaders(ctx, randomBytes(16).toString('base64'));
  ctx.type = 'text/html; charset=utf-8';
  ctx.status = 404;
  ctx.body = page(`<h1>Documents requested by your CA firm</h1><p>${BARE_LINK_MESSAGE}</p>`);
}

/**
 * Any other address under `/r/` with a slash after the code's place (`/r//`, `/r/<code>/more`, a link
 * pasted twice): no link has that shape. The parameter is named `token` so a log line writes it
 * masked (api/middleware/logged-path.ts). Registered after `/r/:token`, which answers a single
 * segment (with or without a trailing slash) first.
 */
export const MALFORMED_LINK_PATH = '/r/:token(.*/.*)';

export function checklistPageRoutes(): RouteSpec[] {
  return [
    route({ method: 'get', path: '/r', action: 'public', handler: bareLinkPage }),
    route({
      method: 'get',
      path: '/r/:token',
      action: 'public',
      params: anyToken,
      handler(ctx, { params }) {
        const nonce = randomBytes(16).toString('base64');
        pageHeaders(ctx, nonce);
        ctx.type = 'text/html; charset=utf-8';
        if (!isLinkToken(params.token)) {
          ctx.status = 410;
          ctx.body = page(`<p>${INVALID_LINK_MESSAGE}</p>`);
          return;
        }
        ctx.body = page('<p>Loading…</p>', nonce);
      },
    }),
    route({ method: 'get', path: MALFORMED_LINK_PATH, action: 'public', handler: bareLinkPage }),
  ];
}
