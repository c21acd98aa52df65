/** Sign-in's `next`: only a path inside the app; anything a browser could read as another site lands on `/`. */
import { safeNext } from '../../../web/src/lib/safe-next';

describe('where sign-in sends a person afterwards', () => {
  it('keeps a path inside the app, with its query', () => {
    expect(safeNext('/follow-ups/abc?tab=items')).toBe('/follow-ups/abc?tab=items');
    expect(safeNext('/sign-inside')).toBe('/sign-inside');
  });

  it('lands on / for another site, a backslash, a control character or the sign-in page', () => {
    for (const next of [null, '', 'https://example.com', '//example.com', '/\\example.com', '/a\\b', '/\texample.com', '/sign-in', '/sign-in?next=%2F']) {
      expect({ next, to: safeNext(next) }).toEqual({ next, to: '/' });
    }
  });
});
