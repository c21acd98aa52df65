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
import { linkParams } from './schema';

const SCRIPT = `
const token = location.pathname.split('/').pop();
const api = (p) => '/api/requests/' + encodeURIComponent(token) + p;
const main = document.getElementById('main');
const el = (tag, text) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; };
async function load() {
  const res = await fetch(api(''));
  const body = await res.json();
  main.replaceChildren();
  if (!res.ok) { main.append(el('p', body.error ? body.error.message : 'This link cannot be opened.')); return; }
  main.append(el('h1', body.firmName + ': ' + body.title), el('p', 'For ' + body.clientName + ', due ' + body.dueDate + '. Questions: ' + body.contact.name + ' <' + body.contact.email + '>'));
  const list = el('ul');
  for (const item of body.items) {
    const li = el('li');
    li.append(el('strong', item.description + (item.period ? ' (' + item.period + ')' : '')), el('span', ' — ' + item.status.replace('_', ' ') + ' '));
    if (item.status === 'outstanding') {
      const input = el('input'); input.type = 'file'; input.accept = '.pdf,.png,.jpg,.jpeg,.xlsx,.csv';
      const upload = el('button', 'Upload');
      upload.onclick = async () => {
        const file = input.files[0]; if (!file) return;
        const r = await fetch(api('/items/' + item.id + '/uploads'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size }) });
        const b = await r.json(); if (!r.ok) { alert(b.error.message); return; }
        const put = await fetch(b.uploadUrl, { method: 'PUT', body: file });
        if (!put.ok) { const e = await put.json(); alert(e.error.message); }
        await load();
      };
      const na = el('button', 'Not applicable');
      na.onclick = async () => {
        const reason = prompt('Why is this not applicable?'); if (!reason) return;
        const r = await fetch(api('/items/' + item.id + '/not-applicable'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason }) });
        if (!r.ok) { const e = await r.json(); alert(e.error.message); }
        await load();
      };
      li.append(input, upload, na);
    }
    list.append(li);
  }
  main.append(list);
  if (new URLSearchParams(location.search).has('unsubscribe')) {
    const stop = el('button', 'Stop emails about requests');
    stop.onclick = async () => { const r = await fetch(api('/unsubscribe'), { method: 'POST' }); main.append(el('p', r.ok ? 'You will get no more emails; the firm will call you instead.' : 'Could not unsubscribe.')); };
    main.append(stop);
  }
}
load();
`;

/** What the page says for a link that opens nothing (the script shows the API's message otherwise). */
export const INVALID_LINK_MESSAGE = 'This link is not valid or has expired. Ask the firm for a new one.';

/** Any string reaches the handler: the token's shape is checked there, to answer with the page. */
const anyToken = z.object({ token: z.string() });

function page(main: string, nonce?: string): string {
  const script = nonce ? `<script nonce="${nonce}">${SCRIPT}</script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Documents requested</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}li{margin:.8rem 0}button{margin-left:.4rem}</style></head>
<body><main id="main">${main}</main>${script}</body></html>`;
}

export function checklistPageRoutes(): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/r/:token',
      action: 'public',
      params: anyToken,
      handler(ctx, { params }) {
        const nonce = randomBytes(16).toString('base64');
        ctx.set('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`);
        ctx.set('referrer-policy', 'no-referrer');
        ctx.set('cache-control', 'no-store');
        ctx.type = 'text/html; charset=utf-8';
        if (!linkParams.safeParse(params).success) {
          ctx.status = 410;
          ctx.body = page(`<p>${INVALID_LINK_MESSAGE}</p>`);
          return;
        }
        ctx.body = page('<p>Loading…</p>', nonce);
      },
    }),
  ];
}
