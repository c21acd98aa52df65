/**
 * The scheduler health rule (ops/scheduler-health.ts) as a pure function of the heartbeat file and
 * the time, and the heartbeat writer on a temporary directory (its probe stands in for Temporal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { heartbeatCron, judgeHeartbeat, MISSED_HEARTBEATS, startHeartbeat } from '../../../ops/scheduler-health';

const at = new Date('2026-12-06T10:00:00Z');
const beat = (secondsAgo: number, temporal: object = { ok: true }, everySeconds = 15) =>
  JSON.stringify({ at: new Date(at.getTime() - secondsAgo * 1000).toISOString(), everySeconds, pid: 1, temporal });

describe('scheduler health', () => {
  it('is healthy up to three missed heartbeats, unhealthy after', () => {
    expect(judgeHeartbeat(beat(0), at)).toEqual({ ok: true, detail: 'ticked 0 s ago; Temporal answers' });
    expect(judgeHeartbeat(beat(15 * MISSED_HEARTBEATS), at).ok).toBe(true);
    expect(judgeHeartbeat(beat(15 * MISSED_HEARTBEATS + 1), at)).toEqual({ ok: false, detail: 'the last tick was 46 s ago (expected every 15 s): the scheduler is stuck or stopped' });
    expect(judgeHeartbeat(beat(3, { ok: true }, 1), at).ok).toBe(true);
    expect(judgeHeartbeat(beat(4, { ok: true }, 1), at).ok).toBe(false);
  });

  it('is unhealthy without a heartbeat, with an unreadable one, or when Temporal did not answer', () => {
    expect(judgeHeartbeat(null, at)).toEqual({ ok: false, detail: 'no heartbeat: the scheduler has not ticked yet' });
    expect(judgeHeartbeat('{"at": ', at).ok).toBe(false);
    expect(judgeHeartbeat(JSON.stringify({ at: 'yesterday', everySeconds: 15, temporal: { ok: true } }), at).ok).toBe(false);
    expect(judgeHeartbeat(beat(2, { ok: false, error: 'connect ECONNREFUSED' }), at)).toEqual({ ok: false, detail: 'Temporal did not answer the last tick (2 s ago): connect ECONNREFUSED' });
  });

  it('beats on a cadence that divides a minute', () => {
    expect(heartbeatCron(15)).toBe('*/15 * * * * *');
    expect(heartbeatCron(1)).toBe('*/1 * * * * *');
    for (const bad of [0, 7, 45, 2.5]) expect(() => heartbeatCron(bad)).toThrow(/divide a minute/);
  });

  it('answers a reason, never throws, for a file that is not a heartbeat', () => {
    const malformed = ['', 'null', '42', '"text"', '[]', '{}', JSON.stringify({ at: at.toISOString(), everySeconds: 15 }), JSON.stringify({ at: at.toISOString(), everySeconds: 'x', temporal: { ok: true } }), JSON.stringify({ at: at.toISOString(), everySeconds: 15, temporal: null }), JSON.stringify({ at: at.toISOString(), everySeconds: 15, temporal: { ok: false } })];
    for (const text of malformed) {
      expect(() => judgeHeartbeat(text, at)).not.toThrow();
      expect({ text, health: judgeHeartbeat(text, at) }).toEqual({ text, health: { ok: false, detail: 'the heartbeat file is malformed (not a heartbeat the scheduler writes)' } });
    }
  });

  describe('the heartbeat writer', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'heartbeat-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const logger = pino({ level: 'silent' });

    it("removes a crashed scheduler's last beat before its own first beat (same pid 1 in a container)", async () => {
      const file = path.join(dir, 'scheduler.json');
      fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), everySeconds: 15, pid: process.pid, temporal: { ok: true } }));
      let answer: () => void = () => undefined;
      const probe = () => new Promise<void>((resolve) => (answer = resolve));
      const heartbeat = startHeartbeat({ file, everySeconds: 15, probe, logger });
      try {
        // Temporal has not answered the first beat yet: the old file must not vouch for this run.
        expect(fs.existsSync(file)).toBe(false);
        answer();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(judgeHeartbeat(fs.readFileSync(file, 'utf8'), new Date()).ok).toBe(true);
      } finally {
        await heartbeat.stop();
      }
      expect(fs.existsSync(file)).toBe(false);
    });

    it("writes the file for the owner only (0600)", async () => {
      const file = path.join(dir, 'scheduler.json');
      const heartbeat = startHeartbeat({ file, everySeconds: 15, probe: async () => undefined, logger });
      try {
        await heartbeat.beat();
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      } finally {
        await heartbeat.stop();
      }
    });
  });
});
