// `npm run bench -- <name>`: one entry point for the project's benchmarks, each in its own file.
import { benchE2e } from './e2e';
import { benchPlanFormats } from './plan-formats';
import { benchPollLag } from './poll-lag';
import { benchSimulator } from './simulator';
import { benchSync } from './sync';

const benches: Record<string, (args: string[]) => Promise<void>> = {
  simulator: benchSimulator,
  e2e: benchE2e,
  sync: benchSync,
  'poll-lag': benchPollLag,
  'plan-formats': benchPlanFormats,
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = name ? benches[name] : undefined;
  if (!bench) {
    console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
    process.exitCode = 1;
    return;
  }
  await bench(args);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
