/**
 * `npm run ops:scheduler-health`: the scheduler container's health check. Exits 0 while the
 * scheduler ticks and Temporal answers it, 1 otherwise, printing why (ops/scheduler-health.ts).
 */
import { loadConfig } from './config';
import { checkSchedulerHealth } from './scheduler-health';

const health = checkSchedulerHealth(loadConfig().scheduler.healthFile);
process.stdout.write(`${health.ok ? 'healthy' : 'unhealthy'}: ${health.detail}\n`);
process.exit(health.ok ? 0 : 1);
