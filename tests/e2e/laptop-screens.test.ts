/**
 * The main pages on a common office laptop's screen (1366×768) as staff, a manager, a firm admin
 * and a client user, in a real Chromium against a fresh `npm start`: no heading, badge or button
 * label is cut off (its text wider than its box), Home shows each panel once, and the client's bare
 * link path `/r` is a page in words. Every page is photographed (`<role>-<page>-1366`).
 */
import type { Page } from 'playwright-core';
import { useAppStack } from './app-stack';
import { newPage, screenshot, signIn } from './browser';

jest.setTimeout(420_000);

const LAPTOP = { width: 1366, height: 768 };

/** Headings, badges and buttons whose text is wider than their own box (clipped or ellipsised). */
async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // Runs in the page (this file is type-checked without the DOM library).
    const d = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ scrollWidth: number; clientWidth: number; textContent: string | null; tagName: string; className: string }> } };
    const found: string[] = [];
    for (const el of Array.from(d.document.querySelectorAll('h1, h2, h3, h4, .mantine-Badge-label, .mantine-Button-label, .mantine-Title-root'))) {
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) found.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim()}" (${el.scrollWidth}px in ${el.clientWidth}px)`);
    }
    return found;
  });
}

/** The titles of Home's panels (card headings), in order. */
const panelTitles = (page: Page) => page.locator('main h3, main h4').allInnerTexts();

describe('the main pages on a 1366×768 screen', () => {
  const app = useAppStack('laptop');

  const PAGES: Record<string, string[]> = {
    staff: ['/', '/clients', '/reconciliations', '/firm-view', '/calendar', '/follow-ups', '/notices', '/account'],
    manager: ['/', '/approvals', '/clients', '/settings'],
    firm_admin: ['/', '/settings', '/clients', '/notifications'],
    client: ['/', '/notices', '/calendar'],
  };

  it.each(Object.keys(PAGES))('cuts off no heading, badge or button label for %s', async (role) => {
    const { context, page, errors } = await newPage(app.browser, app.demo.apiUrl, LAPTOP);
    app.errors[role] = errors;
    await page.goto('/sign-in');
    await signIn(page, app.user(role).email, app.user(role).password, `${role} laptop`);
    await page.getByTestId('signed-in-as').waitFor();
    const problems: string[] = [];
    for (const path of PAGES[role]!) {
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      // The page's data, not its loaders: wait until no loader is shown.
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> } }).document.querySelectorAll('[aria-busy="true"], .mantine-Loader-root').length === 0);
      await screenshot(page, `${role}-${path === '/' ? 'home' : path.slice(1).replace(/\//g, '-')}-1366`);
      for (const text of await cutOff(page)) problems.push(`${path}: ${text}`);
      if (path === '/') {
        const titles = await panelTitles(page);
        const twice = titles.filter((t, i) => titles.indexOf(t) !== i);
        if (twice.length > 0) problems.push(`/: panels shown twice: ${twice.join(', ')} (of ${titles.join(' | ')})`);
      }
    }
    expect(problems).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('answers the bare /r with a page saying what the address is for', async () => {
    const { context, page } = await newPage(app.browser, app.demo.apiUrl, LAPTOP);
    const res = await page.goto('/r');
    expect(res?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Documents requested by your CA firm' }).waitFor();
    await page.getByText('It needs the whole link from the firm', { exact: false }).waitFor();
    await screenshot(page, 'bare-request-link-1366');
    await context.close();
  });
});
