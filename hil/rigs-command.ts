import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseCommand } from '../src/cli/args.js';
import { runSettings } from '../src/config/run-settings.js';

const Options = z.object({ rack: z.string().optional(), rig: z.array(z.string()).optional(), json: z.boolean().optional(), help: z.boolean().optional() });

const HELP = `usage: flightcheck rigs [--rack FILE | --rig FILE …] [--json]

Lists the serial ports on this host and which rig file each matches, then every rig of the rack
(default: rigs/rack.yaml when it exists, or $FLIGHT_RACK) with its device. A rig whose device is
missing is an error (exit status 1).`;

/** `flightcheck rigs`: serial ports ↔ rig files, and missing devices as errors. */
export async function rigsCommand(argv: string[]): Promise<number> {
  const { values: o } = parseCommand(argv, { rack: { type: 'string' }, rig: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, Options);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const { loadRack, loadRig, listSerialPorts, portMatchesRig, resolveRigDevice, describeDevice, lockFileFor, lockOwner, defaultLeaseDir, RigConfigError, RigDeviceMissing } = await import('./index.js');
  type Rig = ReturnType<typeof loadRig>;
  let rigs: Rig[] = [];
  let leaseDir = defaultLeaseDir();
  try {
    if (o.rig?.length) rigs = o.rig.map((f) => loadRig(path.resolve(f)));
    else {
      const rackFile = o.rack ?? runSettings().rack ?? (fs.existsSync('rigs/rack.yaml') ? 'rigs/rack.yaml' : undefined);
      if (rackFile) {
        const rack = loadRack(path.resolve(rackFile));
        rigs = rack.rigs;
        if (rack.leaseDir) leaseDir = rack.leaseDir;
      }
    }
  } catch (err) {
    if (err instanceof RigConfigError) {
      console.error(`flightcheck rigs: ${err.message}`);
      return 2;
    }
    throw err;
  }

  const listing = await listSerialPorts();
  const ports = listing.ports.map((p) => ({ ...p, rigs: rigs.filter((r) => portMatchesRig(p, r)).map((r) => r.name) }));
  // Devices named by path that the listing does not show (a pty, a by-id link): list them too.
  for (const r of rigs) {
    const p = r.serial.path;
    if (p && fs.existsSync(p) && !ports.some((x) => x.rigs.includes(r.name))) ports.push({ path: p, rigs: [r.name] });
  }
  const rigRows = rigs.map((r) => {
    const owner = lockOwner(lockFileFor(r, leaseDir));
    try {
      const d = resolveRigDevice(r, listing);
      return { rig: r.name, file: r.file, device: describeDevice(r.serial), found: d.path + (d.realPath !== d.path ? ` → ${d.realPath}` : ''), error: null as string | null, leasedBy: owner?.pid ?? null };
    } catch (err) {
      if (!(err instanceof RigDeviceMissing)) throw err;
      return { rig: r.name, file: r.file, device: describeDevice(r.serial), found: null, error: err.message, leasedBy: owner?.pid ?? null };
    }
  });

  if (o.json) {
    console.log(JSON.stringify({ source: listing.source, note: listing.note ?? null, ports, rigs: rigRows }, null, 2));
  } else {
    console.log(`serial ports (${listing.source}${listing.note ? `; ${listing.note}` : ''}):`);
    if (ports.length === 0) console.log('  none');
    for (const p of ports) {
      const id = p.vendorId ? ` ${p.vendorId}:${p.productId ?? '?'}${p.serialNumber ? ` serial ${p.serialNumber}` : ''}${p.manufacturer ? ` (${p.manufacturer})` : ''}` : '';
      console.log(`  ${p.path}${id}  ${p.rigs.length ? `→ rig ${p.rigs.join(', ')}` : '(no rig file)'}`);
    }
    if (rigs.length) {
      console.log('\nrigs:');
      for (const r of rigRows) {
        const lease = r.leasedBy ? `  [leased by pid ${r.leasedBy}]` : '';
        console.log(r.found ? `  ✓ ${r.rig}: ${r.device} at ${r.found}${lease}` : `  ✗ ${r.rig}: ${r.device}: missing${lease}`);
      }
    }
  }
  const missing = rigRows.filter((r) => r.error);
  for (const m of missing) console.error(`error: ${m.error}`);
  return missing.length ? 1 : 0;
}
