import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { McapStreamReader } from '@mcap/core';
import { runFlightcheck, startPtyPair, startSimOnSerial, tmpDir, writeYaml, type Child } from './helpers.js';
import { describeUnless, socatMissing } from '../support/skip.js';

const run = describeUnless(socatMissing());

run('serial line faults on the hil target', () => {
  const dir = tmpDir('hil-unplug');
  const started: Child[] = [];
  afterAll(async () => {
    for (const c of started.reverse()) await c.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pulling the cable mid-flight fails the scenario with LinkLost naming the rig within 2 s, keeps the recording, and the next scenario re-opens the port', async () => {
    let pty = await startPtyPair(dir);
    started.push(pty);
    let sim = await startSimOnSerial(pty.b, { speed: 4 });
    started.push(sim);
    // When the scenario kills socat (the unplug), plug back in: a new pty pair under the same
    // names and a freshly booted flight controller on it.
    const replugged = pty.exited.then(async () => {
      await sim.stop();
      await new Promise((r) => setTimeout(r, 500));
      pty = await startPtyPair(dir);
      started.push(pty);
      sim = await startSimOnSerial(pty.b, { speed: 4 });
      started.push(sim);
    });
    const rig = writeYaml(path.join(dir, 'unplug-rig.yaml'), { name: 'unplug-rig', serial: { path: pty.a }, safety: { armingAllowed: true, propellersRemoved: true } });
    const marker = path.join(dir, 'marker.json');
    const results = path.join(dir, 'results');
    const r = await runFlightcheck(['test/hil/fixtures/unplug', '--target', 'hil', '--rig', rig, '--results', results], {
      HIL_UNPLUG_SOCAT_PID: String(pty.pid),
      HIL_UNPLUG_MARKER: marker,
      FLIGHT_LEASE_DIR: path.join(dir, 'leases'),
    });
    // A scenario that failed before pulling the cable leaves socat running: say so, do not hang.
    let waited: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      replugged,
      new Promise((_, reject) => {
        waited = setTimeout(() => reject(new Error(`the scenario never pulled the cable (socat ${pty.pid} still runs); flightcheck run exited ${r.code}:\n${r.output.slice(-3000)}`)), 15_000);
      }),
    ]).finally(() => clearTimeout(waited));

    const lost = JSON.parse(fs.readFileSync(marker, 'utf8')) as { name: string; message: string; afterMs: number };
    expect(lost.name).toBe('LinkLost');
    expect(lost.message).toContain(`link lost: rig "unplug-rig" (serial ${path.join(dir, 'a')} @ 921600)`);
    expect(lost.afterMs).toBeLessThan(2000);

    const jest = JSON.parse(fs.readFileSync(path.join(results, 'jest-results.json'), 'utf8')) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
    const tests = jest.testResults.flatMap((t) => t.assertionResults);
    expect(tests.map((t) => [t.title, t.status])).toEqual([
      ['fails with LinkLost when the cable is pulled mid-flight', 'failed'],
      ['re-opens the port when the device returns and flies again', 'passed'],
    ]);
    expect(tests[0]!.failureMessages.join('\n')).toMatch(/LinkLost: link lost: rig "unplug-rig"/);
    expect(r.code).not.toBe(0);

    // The recording of the failed flight is on disk (MCAP), with the telemetry up to the unplug.
    const recordings = fs.readdirSync(path.join(results, 'recordings'));
    const failed = recordings.find((f) => f.includes('cable-is-pulled') && f.endsWith('.mcap'));
    expect(failed).toBeDefined();
    const reader = new McapStreamReader();
    reader.append(fs.readFileSync(path.join(results, 'recordings', failed!)));
    const topics = new Map<number, string>();
    const perTopic = new Map<string, number>();
    for (let rec = reader.nextRecord(); rec; rec = reader.nextRecord()) {
      if (rec.type === 'Channel') topics.set(rec.id, rec.topic);
      if (rec.type === 'Message') {
        const t = topics.get(rec.channelId) ?? '?';
        perTopic.set(t, (perTopic.get(t) ?? 0) + 1);
      }
    }
    const heartbeats = [...perTopic].filter(([t]) => t.includes('HEARTBEAT')).reduce((n, [, c]) => n + c, 0);
    expect(heartbeats).toBeGreaterThan(2);
    expect([...perTopic.values()].reduce((a, c) => a + c, 0)).toBeGreaterThan(100);
  }, 120_000);
});
