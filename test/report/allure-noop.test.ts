/**
 * @jest-environment node
 */
// Plain Node environment: no Allure runtime. The helpers must do nothing, say nothing, and let phases run.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { allureActive, attachBudgets, attachFile, attachLogs, attachSvg, phaseStep, scenarioLabels, vehicleDuration } from '../../src/report/allure.js';

describe('allure helpers outside Allure', () => {
  let warn: ReturnType<typeof jest.spyOn>;
  let log: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn');
    log = jest.spyOn(console, 'log');
  });
  afterEach(() => {
    warn.mockRestore();
    log.mockRestore();
  });

  it('knows it is not under Allure', () => {
    expect(allureActive()).toBe(false);
  });

  it('runs phases and returns their value or error, and every other helper is silent', async () => {
    expect(await phaseStep('climb', async () => 42)).toBe(42);
    expect(await phaseStep('sync', () => 'x')).toBe('x');
    expect(await phaseStep('hover', async () => 7, { vehicleMs: () => 1000 })).toBe(7);
    await expect(phaseStep('land', async () => { throw new Error('touched down hard'); })).rejects.toThrow('touched down hard');
    await scenarioLabels({ feature: 'takeoff', severity: 'critical', target: 'sim', speed: 10, seed: 1 });
    await attachBudgets([]);
    await attachFile('rec', '/nonexistent/file.mcap', 'application/octet-stream');
    await attachSvg('alt', '<svg/>');
    await attachLogs({ px4: 'line' });
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('writes a phase’s vehicle time in seconds, to 10 ms below 10 s', () => {
    expect([250, 5390, 35_240, 0].map(vehicleDuration)).toEqual(['0.25 s', '5.39 s', '35.2 s', '0.00 s']);
  });

  it('still rejects bad labels, naming the field', async () => {
    await expect(scenarioLabels({ severity: 'urgent' as never })).rejects.toThrow(/^scenarioLabels: severity: /);
    await expect(scenarioLabels({ feature: '' })).rejects.toThrow(/scenarioLabels: feature:/);
  });
});
