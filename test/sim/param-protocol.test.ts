/**
 * The parameter protocol over UDP with all of PX4 SITL's parameters, answered as PX4 v1.16
 * answers (seen on the binary: test/native/real-px4-streams.test.ts and the generator). Instance 126.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { common } from 'node-mavlink';
import type { Link } from '../../src/mavlink/link.js';
import { readParamByName, readParamList } from '../../src/vehicle/param-list.js';
import { PX4_SITL_PARAMS, PX4_SITL_UNLISTED_PARAMS } from '../../sitl/sim/model/px4-params.generated.js';
import { SimWorld } from '../../sitl/sim/world.js';
import { sleep, udpClient } from './helpers.js';

describe('sim parameters over UDP: PX4 SITL\'s list and PX4\'s answers (instance 126)', () => {
  let world: SimWorld;
  let client: Link;
  const sys = 127;
  const set = (paramId: string, paramType: number, paramValue: number) => {
    const m = new common.ParamSet();
    Object.assign(m, { targetSystem: sys, targetComponent: 1, paramId, paramType, paramValue });
    client.send(m);
  };
  /** The PARAM_VALUEs that arrive within `ms` (host time) after `fn`. */
  const answers = async (fn: () => void, ms = 300) => {
    const got: common.ParamValue[] = [];
    const off = client.on(common.ParamValue, (m) => got.push(m.data));
    fn();
    await sleep(ms);
    off();
    return got;
  };

  beforeAll(async () => {
    world = await SimWorld.start({ instance: 126, speed: 1, camera: false });
    client = await udpClient(world.vehicle(0).ports.apiLocal);
  });
  afterAll(async () => {
    await client?.close();
    await world?.close();
  });

  it('PARAM_REQUEST_LIST: PX4\'s 911 in its order, each with param_count 911 and its index', async () => {
    const list = await readParamList(client, { targetSysId: sys });
    expect(list.count).toBe(PX4_SITL_PARAMS.length);
    expect(list.params.map((p) => p.name)).toEqual(PX4_SITL_PARAMS.map(([name]) => name));
    expect(list.params.map((p) => p.index)).toEqual([...PX4_SITL_PARAMS.keys()]);
    expect(list.hash).not.toBeNull();
    const rtl = list.params.find((p) => p.name === 'RTL_TIME_MARGIN')!;
    expect([rtl.type, rtl.value]).toEqual([6, 100]);
  });

  it('PARAM_SET of a listed parameter: echoed at once, then announced as changed (twice on this link, as PX4)', async () => {
    const got = await answers(() => set('RTL_TIME_FACTOR', 9, 1.5));
    expect(got.map((m) => [m.paramId, m.paramIndex, m.paramCount, m.paramValue])).toEqual([
      ['RTL_TIME_FACTOR', PX4_SITL_PARAMS.findIndex(([n]) => n === 'RTL_TIME_FACTOR'), 911, 1.5],
      ['RTL_TIME_FACTOR', PX4_SITL_PARAMS.findIndex(([n]) => n === 'RTL_TIME_FACTOR'), 911, 1.5],
    ]);
    expect(world.vehicle(0).model.params.get('RTL_TIME_FACTOR')).toBe(1.5);
  });

  it('an unlisted parameter: read and set by name with index -1, echoed once, and still not listed', async () => {
    const [name, , value] = PX4_SITL_UNLISTED_PARAMS.find(([, type]) => type === 'REAL32')!;
    const read = await readParamByName(client, name, { targetSysId: sys });
    expect(read).toMatchObject({ name, index: -1, value });
    const got = await answers(() => set(name, 9, value - 1));
    expect(got.map((m) => [m.paramId, m.paramIndex, m.paramValue])).toEqual([[name, 65535, value - 1]]);
    const list = await readParamList(client, { targetSysId: sys });
    expect(list.count).toBe(911);
    expect(list.params.some((p) => p.name === name)).toBe(false);
  });

  it('an unknown name or an index past the list: no answer at all, as PX4', async () => {
    const texts: string[] = [];
    const off = client.on(common.StatusText, (m) => texts.push(m.data.text));
    const got = await answers(() => {
      set('NOT_A_PX4_PARAM', 9, 1);
      const read = new common.ParamRequestRead();
      Object.assign(read, { targetSystem: sys, targetComponent: 1, paramId: '', paramIndex: 911 });
      client.send(read);
      Object.assign(read, { paramId: 'NOT_A_PX4_PARAM', paramIndex: -1 });
      client.send(read);
    }, 500);
    off();
    expect(got).toEqual([]);
    expect(texts).toEqual([]);
  });
});
