/** GST notices' pure rules: the form catalogue, the three dates, the other clocks and the reminder plan. */
export * from './catalogue';
export * from './dates';
export * from './clocks';
export * from './plan';
export * from './messages';
export * from './urgency';
export * from './relink';
export * from './consistency';
export * from './intake';
export * from './step-text';
export * from './review';
