// Two lanes finish together only when the longest test files start first. Jest orders by the
// durations it cached on an earlier run; a clean clone (CI) has none and would order by file size,
// so the slowest files as measured (issue 18's runs) go first, in this order: heavy ones apart.
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const SLOWEST = [
  'test/integration/cluster.test.ts',
  'test/integration/stage-boundaries.test.ts',
  'test/integration/alert-storm.test.ts',
  'test/integration/live-drill.test.ts',
  'test/integration/console-compliance-backups.test.ts',
  'test/integration/restore-workflow.test.ts',
  'test/integration/console-tasks.test.ts',
  'test/integration/audit-trail.test.ts',
  'test/integration/data-leak-plan.test.ts',
  'test/unit/plan-fuzz.test.ts',
  'test/integration/webhook-egress.test.ts',
  'test/integration/tax-sync-killed.test.ts',
];

class SlowestFirst extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const rank = (t) => {
      const i = SLOWEST.indexOf(path.relative(t.context.config.rootDir, t.path));
      return i === -1 ? SLOWEST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep jest's own order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowestFirst;
