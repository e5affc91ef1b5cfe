// bench/incidents: Yingji against a fair peer doing the same job by hand (HTTP with the API's token
// check, an Update-with-Start to launch, an Update whose handler writes one row, reads over HTTP from
// PostgreSQL), in the same run on the same Temporal server, in alternating order; a bare Temporal
// Update is printed as the floor. Measured on the dev stack (`yingji up`) and on the multi-process
// cluster (`yingji cluster up`), one after the other, then summarised side by side.
//   node dist/bench/incidents/main.js [--incidents 500] [--concurrency 50] [--rounds 2] [--samples 5] [--stacks dev,cluster]
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { benchOptions } from '../args';
import { costTable } from './costs';
import { cpuTable } from './cpu';
import { criteria } from './measure';
import { BARE, measureStack, StackResult } from './run-stack';
import { STACKS, startStack } from './stacks';
import { header, NOTE, ratioRow, row } from './tables';

const opts = benchOptions({ incidents: 500, concurrency: 50, rounds: 2, samples: 5 }, { stacks: STACKS });

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // the in-process worker's state changes would cut through the progress bars
  const results: StackResult[] = [];
  const failed: string[] = [];
  for (const name of opts.stacks) {
    const stack = await startStack(name);
    try {
      results.push(await measureStack(stack, { n: opts.incidents, concurrency: opts.concurrency, rounds: opts.rounds, samples: opts.samples }));
    } catch (err) {
      // One stack failing (e.g. its API refusing under load) leaves the other's figures worth printing.
      console.error(err);
      failed.push(`=== ${name}: FAILED, not in the summary: ${(err as Error).message} (its logs: ${stack.logs})`);
    } finally {
      await stack.release();
    }
  }
  for (const line of failed) console.log(`\n${line}`);
  if (failed.length) process.exitCode = 1;

  console.log('');
  console.log(`=== summary: ${opts.incidents} incidents x ${opts.rounds} rounds per contender per stack`);
  console.log(header());
  for (const r of results) {
    console.log(`${r.stack.name}: ${r.stack.topology}`);
    console.log(row(BARE, r.floor));
    console.log(row('fair peer', r.peer));
    console.log(row('Yingji', r.ours));
    console.log(ratioRow(`ratio Yingji / fair peer (${r.stack.name})`, r.ours, r.peer));
  }
  const [dev, cluster] = ['dev', 'cluster'].map((n) => results.find((r) => r.stack.name === n));
  if (dev && cluster) {
    console.log(ratioRow('ratio cluster / dev, Yingji', cluster.ours, dev.ours));
    console.log(ratioRow('ratio cluster / dev, fair peer', cluster.peer, dev.peer));
    console.log(ratioRow('ratio cluster / dev, bare floor', cluster.floor, dev.floor));
  }
  console.log(NOTE);
  console.log('');
  for (const line of costTable(results.map((r) => r.costs))) console.log(line);
  for (const line of cpuTable(results.map((r) => r.costs))) console.log(line);
  console.log('');
  // Issue 17's criteria are judged on the dev server (one machine); the cluster's are printed alongside.
  for (const r of results) {
    console.log(r.stack.name === 'dev' ? "issue 17's criteria, judged on the dev stack:" : `the same criteria on the ${r.stack.name}, for information:`);
    for (const v of criteria(r.ours, r.peer)) console.log(`${v.pass ? 'PASS' : 'FAIL'}  ${r.stack.name.padEnd(8)} ${v.what.padEnd(40)} Yingji / fair peer ${v.ratio.toFixed(2)} (${v.limit})`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
