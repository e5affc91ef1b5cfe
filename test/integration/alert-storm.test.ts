import { eventually, Harness, startHarness } from './support/harness';

// An alert storm as Alertmanager delivers it: 10,000 alerts in 200 groups within a minute, each
// group's POSTs carrying the whole group so far, 503s retried with Alertmanager's backoff (it
// retries 5xx). At most one incident per group, no alert lost, /health answering throughout, and
// overload answered 503 with Retry-After, never 429. The figures are printed, not asserted.

const GROUPS = 200;
const PER_GROUP = 50;
/**
 * Groups whose alerts match the plan's auto trigger (launched at once), then its propose trigger
 * (triage); the rest match no plan. Few real launches: with many (80 and more) the in-process worker
 * falls behind and each launch holds an intake slot while it waits for its incident (see the README).
 */
const AUTO_GROUPS = 10;
const PROPOSE_GROUPS = 150;
/** Each group is posted in this many growing batches (Alertmanager's group_wait, then group_interval). */
const BATCHES = 5;
const SENDERS = 48;

/**
 * Alertmanager's retry backoff (exponential from 500 ms, ×1.5, ±50%), its 60 s ceiling shortened to
 * 4 s so the test does not wait out a long tail.
 */
const retryDelay = (attempt: number) => Math.min(4000, 500 * 1.5 ** attempt) * (0.5 + Math.random());

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

describe('alert storm', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    process.env.YINGJI_ALERT_INTAKE_CONCURRENCY = '6';
    h = await startHarness();
    await h.publishPlan('test/plans/run/alert-intake.yaml');
    token = (await h.as('alertmanager-prod', ['intake'])).token;
  }, 60_000);
  afterAll(async () => {
    delete process.env.YINGJI_ALERT_INTAKE_CONCURRENCY;
    await h?.close();
  });

  it('10,000 alerts in 200 groups: every alert stored, one incident (or proposal) per matching group, /health answered, 503 never 429', async () => {
    const started = new Date('2026-12-01T12:00:00Z').getTime();
    const group = (g: number) => {
      const alertname = g < AUTO_GROUPS ? 'InvoiceApiDown' : g < AUTO_GROUPS + PROPOSE_GROUPS ? 'InvoiceDiskFilling' : 'CoffeeLow';
      const groupKey = `{}:{alertname="${alertname}",shard="${g}"}`;
      const alerts = Array.from({ length: PER_GROUP }, (_, i) => ({
        status: 'firing', labels: { alertname, shard: String(g), instance: `host-${i}` }, annotations: { summary: `${alertname} shard ${g} host ${i}` },
        startsAt: new Date(started + i * 1000).toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090', fingerprint: `${g.toString(16)}-${i.toString(16)}`,
      }));
      return { groupKey, alerts };
    };
    // Each group's batches in order (Alertmanager sends one group's notifications one after another); groups interleaved.
    const queues = Array.from({ length: GROUPS }, (_, g) => {
      const { groupKey, alerts } = group(g);
      return Array.from({ length: BATCHES }, (_, b) => ({
        version: '4', groupKey, status: 'firing', receiver: 'yingji', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am:9093', truncatedAlerts: 0,
        alerts: alerts.slice(0, ((b + 1) * PER_GROUP) / BATCHES),
      }));
    });

    const figures = { posts: 0, answered503: 0, answered429: 0, otherErrors: [] as string[], intakeMs: [] as number[], healthOk: 0, healthBad: 0 };
    const post = async (body: object) => {
      for (let attempt = 0; ; attempt++) {
        const t0 = performance.now();
        const r = await fetch(`${h.baseUrl}/alerts/alertmanager`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
        const text = await r.text();
        figures.posts++;
        if (r.status === 200) {
          figures.intakeMs.push(performance.now() - t0);
          return;
        }
        if (r.status === 429) figures.answered429++;
        else if (r.status === 503 && r.headers.get('retry-after')) figures.answered503++;
        else figures.otherErrors.push(`${r.status} ${text.slice(0, 200)}`);
        if (attempt > 1200) throw new Error(`gave up after ${attempt} attempts: ${r.status} ${text.slice(0, 200)}`);
        await new Promise((res) => setTimeout(res, retryDelay(attempt)));
      }
    };

    let storming = true;
    const health = (async () => {
      while (storming) {
        const r = await fetch(`${h.baseUrl}/health`).catch(() => undefined);
        if (r?.status === 200) figures.healthOk++;
        else figures.healthBad++;
        await r?.text();
        await new Promise((res) => setTimeout(res, 250));
      }
    })();

    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        for (let g = next++; g < GROUPS; g = next++) for (const body of queues[g]) await post(body);
      }),
    );
    const stormSeconds = (Date.now() - t0) / 1000;
    storming = false;
    await health;

    const [stored] = await h.db.query(
      `SELECT count(*)::int AS rows, count(DISTINCT (fingerprint, starts_at))::int AS occurrences, sum(seen)::int AS seen,
              count(*) FILTER (WHERE match_state = 'unmatched')::int AS unmatched FROM alert_occurrences`,
    );
    const incidents = await eventually(`${AUTO_GROUPS} incidents recorded`, async () => {
      const [n] = await h.db.query(`SELECT count(*)::int AS n FROM incidents WHERE plan_id = 'alert-intake-drill'`);
      return n.n >= AUTO_GROUPS ? n.n : undefined;
    }, 60_000);
    const [{ proposals }] = await h.db.query(`SELECT count(*)::int AS proposals FROM triage_proposals`);
    const [perGroup] = await h.db.query(`SELECT max(n)::int AS most FROM (SELECT count(*) AS n FROM alert_groups WHERE incident_id IS NOT NULL GROUP BY group_key) x`);

    console.log(
      [
        `alert storm: ${GROUPS * PER_GROUP} alerts in ${GROUPS} groups, ${BATCHES} growing POSTs per group, ${SENDERS} senders, intake concurrency 6, sent in ${stormSeconds.toFixed(1)} s`,
        `  alerts stored ${stored.occurrences} (rows ${stored.rows}; ${stored.seen} received with repeats; ${stored.unmatched} unmatched)`,
        `  incidents ${incidents} (groups matching the auto trigger: ${AUTO_GROUPS}; at most ${perGroup.most} per group); triage proposals ${proposals} (groups matching the propose trigger: ${PROPOSE_GROUPS})`,
        `  POSTs ${figures.posts}: 503 ${figures.answered503} (all with Retry-After), 429 ${figures.answered429}, other errors ${figures.otherErrors.length}`,
        `  intake time per answered POST: p50 ${percentile(figures.intakeMs, 50).toFixed(0)} ms, p99 ${percentile(figures.intakeMs, 99).toFixed(0)} ms, max ${Math.max(...figures.intakeMs).toFixed(0)} ms`,
        `  /health during the storm: ${figures.healthOk} answered 200, ${figures.healthBad} not`,
      ].join('\n'),
    );

    expect(figures.otherErrors).toEqual([]);
    expect(figures.answered429).toBe(0);
    expect(stored).toMatchObject({ rows: GROUPS * PER_GROUP, occurrences: GROUPS * PER_GROUP, unmatched: (GROUPS - AUTO_GROUPS - PROPOSE_GROUPS) * PER_GROUP });
    expect(stored.seen).toBe(GROUPS * PER_GROUP * (BATCHES + 1) / 2);
    expect(incidents).toBe(AUTO_GROUPS);
    expect(proposals).toBe(PROPOSE_GROUPS);
    expect(perGroup.most).toBe(1);
    expect(figures.healthOk).toBeGreaterThan(0);
    expect(figures.healthBad).toBe(0);
  }, 180_000);
});
