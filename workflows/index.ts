/** The workflow bundle's entry: every workflow the worker runs. */
export { selfCheckWorkflow } from './self-check';
