/**
 * The simulator's parameters are real PX4 SITL's: every one it lists, with its type and boot value
 * (px4-params.generated.ts, read from the binary), and the model's hand-written table
 * (params.ts: ranges, descriptions) agrees with them. Checked against the binary itself in
 * test/native/real-px4-streams.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { PX4_PARAMS, SITL_PARAMS, createParamStore } from '../../sitl/sim/model/params.js';
import { PX4_SITL_PARAMS, PX4_SITL_UNLISTED_PARAMS } from '../../sitl/sim/model/px4-params.generated.js';
import { float32Literal, instanceZeroParams } from '../../sitl/sim/model/generate-px4-params.js';

const generated = new Map([...PX4_SITL_PARAMS, ...PX4_SITL_UNLISTED_PARAMS].map(([name, type, value]) => [name, { type, value }]));

describe('PX4 parameters', () => {
  it('the model uses PX4 SITL parameters only, with PX4\'s types and boot values', () => {
    const differ = PX4_PARAMS.flatMap((p) => {
      const g = generated.get(p.name);
      if (!g) return [`${p.name}: not a PX4 v1.16 SITL parameter (or the generated table is stale: regenerate it)`];
      if (g.type !== p.type) return [`${p.name}: ${p.type} here, ${g.type} in PX4`];
      if (Math.fround(g.value) !== Math.fround(p.default)) return [`${p.name}: ${p.default} here, ${g.value} in PX4`];
      return [];
    });
    expect(differ).toEqual([]);
  });

  it('lists PX4\'s 911, sorted by name as PX4 indexes them, with their types and values', () => {
    const store = createParamStore();
    expect(store.count).toBe(911);
    expect(SITL_PARAMS.map((p) => p.name)).toEqual(PX4_SITL_PARAMS.map(([name]) => name));
    const names = store.list().map((p) => p.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(store.indexOf('MPC_XY_CRUISE')).toBe(names.indexOf('MPC_XY_CRUISE'));
    // One the model does not use: served with PX4's type and value, no range of its own.
    expect(store.info('EKF2_GPS_CTRL')).toMatchObject({ type: 'INT32', default: generated.get('EKF2_GPS_CTRL')!.value });
    expect(store.get('RTL_TIME_MARGIN')).toBe(100);
    expect(store.set('RTL_TIME_MARGIN', 120)).toBe(true);
    expect(store.set('RTL_TIME_MARGIN', 1.5)).toBe(false); // INT32
    // The model's own keep the ranges of its table.
    expect(store.info('MPC_XY_CRUISE')).toMatchObject({ type: 'REAL32', default: 5, min: 0, max: 20 });
  });

  it('serves PX4\'s unlisted parameters the model reads by name only, with index -1, as PX4 does', () => {
    const store = createParamStore();
    expect(PX4_SITL_UNLISTED_PARAMS.length).toBeGreaterThan(0);
    for (const [name, type, value] of PX4_SITL_UNLISTED_PARAMS) {
      expect(store.has(name)).toBe(true);
      expect(store.info(name)?.type).toBe(type);
      expect(store.get(name)).toBe(value);
      expect(store.indexOf(name)).toBe(-1);
      expect(store.list().some((p) => p.name === name)).toBe(false);
    }
    expect(store.unlisted().map((p) => p.name)).toEqual(expect.arrayContaining(PX4_SITL_UNLISTED_PARAMS.map(([n]) => n)));
  });

  it('sets UXRCE_DDS_KEY with MAV_SYS_ID, as PX4 SITL\'s rcS does (both instance + 1)', () => {
    expect(createParamStore({ MAV_SYS_ID: 7 }).get('UXRCE_DDS_KEY')).toBe(7);
    expect(createParamStore().get('UXRCE_DDS_KEY')).toBe(1);
  });
});

describe('the parameter generator', () => {
  const dump = (instance: number, params: [string, number, number][]) => ({
    instance,
    params: params.map(([name, type, value], index) => ({ name, type, value, index })),
    unlisted: [],
  });

  it('writes instance 0\'s values, learned ones rounded, and refuses two instances that disagree', () => {
    const a = dump(120, [['EKF2_MAG_DECL', 9, 3.4056046], ['MAV_SYS_ID', 6, 121], ['MPC_XY_CRUISE', 9, 5]]);
    const b = dump(121, [['EKF2_MAG_DECL', 9, 3.4056048], ['MAV_SYS_ID', 6, 122], ['MPC_XY_CRUISE', 9, 5]]);
    expect(instanceZeroParams(a, b).map((p) => p.value)).toEqual([3.406, 1, 5]);
    const c = dump(121, [['EKF2_MAG_DECL', 9, 3.4056048], ['MAV_SYS_ID', 6, 122], ['MPC_XY_CRUISE', 9, 6]]);
    expect(() => instanceZeroParams(a, c)).toThrow(/MPC_XY_CRUISE: 5 at instance 120, 6 at 121/);
  });

  it('writes a float32 as its shortest decimal', () => {
    expect(float32Literal(Math.fround(0.15))).toBe('0.15');
    expect(float32Literal(Math.fround(-1e-7))).toBe('-1e-7');
    expect(float32Literal(12)).toBe('12');
  });
});
