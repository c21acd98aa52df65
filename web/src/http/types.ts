/**
 * The API's JSON shapes as the app reads them (the HTTP contract; see docs/web-app.md), one module
 * an area under ./shapes; the app imports them all from here.
 */
export * from './shapes/page';
export * from './shapes/people';
export * from './shapes/clients';
export * from './shapes/recon';
export * from './shapes/periods';
export * from './shapes/follow-ups';
export * from './shapes/notices';
export * from './shapes/data-protection';
export * from './shapes/settings';
