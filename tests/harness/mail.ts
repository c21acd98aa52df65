/**
 * What the harness's Mailpit caught, read through its REST API. Every test firm's addresses are
 * unique, so a test reads only the messages sent to its own recipients.
 */
import { harnessValue } from './harness-env';

export type CaughtSummary = { ID: string; MessageID: string; Subject: string; To: Array<{ Address: string }>; Created: string };
export type CaughtMessage = { ID: string; MessageID: string; Subject: string; Text: string; HTML: string; To: Array<{ Address: string }>; From: { Address: string; Name: string } };

const api = () => harnessValue('mailApiUrl');

export async function caughtTo(address: string): Promise<CaughtSummary[]> {
  const res = await fetch(`${api()}/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}&limit=200`);
  if (!res.ok) throw new Error(`Mailpit search answered ${res.status}`);
  const body = (await res.json()) as { messages: CaughtSummary[] };
  // Oldest first; the search is by words, so keep exact recipients only.
  return body.messages.filter((m) => m.To.some((t) => t.Address.toLowerCase() === address.toLowerCase())).reverse();
}

export async function caughtMessage(id: string): Promise<CaughtMessage> {
  const res = await fetch(`${api()}/api/v1/message/${id}`);
  if (!res.ok) throw new Error(`Mailpit message ${id} answered ${res.status}`);
  return (await res.json()) as CaughtMessage;
}

export async function caughtHeaders(id: string): Promise<Record<string, string[]>> {
  const res = await fetch(`${api()}/api/v1/message/${id}/headers`);
  if (!res.ok) throw new Error(`Mailpit headers ${id} answered ${res.status}`);
  return (await res.json()) as Record<string, string[]>;
}

/** Waits (with a deadline) until `count` messages to `address` were caught; returns them oldest first. */
export async function waitForCaught(address: string, count: number, timeoutMs = 30_000): Promise<CaughtSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await caughtTo(address);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`expected ${count} message(s) to ${address}, caught ${found.length}: ${JSON.stringify(found.map((m) => m.Subject))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export type CaughtAttachment = { filename: string; contentType: string; content: Buffer };

/** The files attached to a caught message, with their bytes. */
export async function caughtAttachments(id: string): Promise<CaughtAttachment[]> {
  const res = await fetch(`${api()}/api/v1/message/${id}`);
  if (!res.ok) throw new Error(`Mailpit message ${id} answered ${res.status}`);
  const message = (await res.json()) as { Attachments?: Array<{ PartID: string; FileName: string; ContentType: string }> };
  const files: CaughtAttachment[] = [];
  for (const part of message.Attachments ?? []) {
    const body = await fetch(`${api()}/api/v1/message/${id}/part/${part.PartID}`);
    if (!body.ok) throw new Error(`Mailpit part ${part.PartID} of ${id} answered ${body.status}`);
    files.push({ filename: part.FileName, contentType: part.ContentType, content: Buffer.from(await body.arrayBuffer()) });
  }
  return files;
}
