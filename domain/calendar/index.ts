/** The compliance calendar's pure rules: dates, working days, QRMP groups, return rules and deadlines. */
export * from './dates';
export * from './working-days';
export * from './states';
export * from './rules';
export * from './deadlines';
export * from './entries';
export * from './filings';
export * from './extension-bounds';
export * from './period-label';
