#!/usr/bin/env node
/**
 * `wis2 <group> <command> [options]`: the command line over the library. Each group lives in
 * `commands/<group>` and exports `run(args, io)`, resolving to the process exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CommandIo, CommandModule } from './cli/io';
import { EX_USAGE, processIo } from './cli/io';

const USAGE = `usage: wis2 <group> <command> [options]

groups:
  wnm       build and validate WIS2 Notification Messages
  topic     validate WIS2 Topic Hierarchy topics
  wcmp      validate WCMP2 discovery metadata records
  flows     install the shipped flows into a Node-RED user directory
  simulate  publish sample file events (the diffusion system's side)
  receive   subscribe and check notifications (a Global Broker's side)
  cache     download, check and republish core data (a Global Cache's side)
  serve     serve files over HTTP (the centre's web server, for a simulated cache)
  session   drop the persistent session a retired runtime left on a broker
  reconcile send file events for what the Argo GDAC index lists and was not announced
  replay    publish again the notifications a WIS2 broker acknowledged in a time window
run "wis2 <group> --help" for the commands of a group`;

function groups(): string[] {
  return fs
    .readdirSync(path.join(__dirname, 'commands'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => name.slice(0, -3));
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const group = argv.at(0);
  const rest = argv.slice(1);
  if (group === undefined || group === '--help' || group === '-h') {
    io.out(USAGE);
    return group === undefined ? EX_USAGE : 0;
  }
  if (!/^[a-z]+$/.test(group) || !groups().includes(group)) {
    io.err(`wis2: unknown group "${group}"\n${USAGE}`);
    return EX_USAGE;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- groups are found at run time so each stays optional
  const mod = require(path.join(__dirname, 'commands', group)) as CommandModule;
  return mod.run(rest, io);
}

if (require.main === module) {
  main(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      processIo.err(JSON.stringify({ error: { code: 'cli.unexpected', message: err instanceof Error ? err.message : String(err), path: '' } }));
      process.exitCode = 70;
    },
  );
}
