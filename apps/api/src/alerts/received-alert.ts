import type { AlertmanagerWebhookDto } from './dto/alertmanager-webhook.dto';
import type { PagerDutyEventDto } from './dto/pagerduty-event.dto';

export type AlertSource = 'alertmanager' | 'events';

/** One alert as received, the same for both senders: what is stored and what triggers are matched against. */
export interface ReceivedAlert {
  fingerprint: string;
  startsAt: Date;
  status: 'firing' | 'resolved';
  endsAt: Date | null;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Events v2 `custom_details`. */
  details?: Record<string, unknown>;
  /** Events v2 `payload.severity` (an Alertmanager alert has it as a label, if at all). */
  severity?: string;
  payload: Record<string, unknown>;
}

/** Alertmanager's "zero time" endsAt of an alert still firing. */
const ZERO_TIME = /^0001-01-01/;

const strings = (o: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));

/** The group's alerts, one per occurrence `(fingerprint, startsAt)` (a repeat inside one body counts once, the last wins). */
export function fromAlertmanager(body: AlertmanagerWebhookDto): ReceivedAlert[] {
  const byOccurrence = new Map<string, ReceivedAlert>();
  for (const a of body.alerts) {
    const labels = strings(a.labels);
    const annotations = strings(a.annotations);
    const startsAt = new Date(a.startsAt);
    const endsAt = a.endsAt && !ZERO_TIME.test(a.endsAt) ? new Date(a.endsAt) : null;
    byOccurrence.set(`${a.fingerprint}@${startsAt.toISOString()}`, {
      fingerprint: a.fingerprint,
      startsAt,
      status: a.status,
      endsAt: a.status === 'resolved' ? endsAt : null,
      summary: annotations.summary ?? annotations.description ?? labels.alertname ?? a.fingerprint,
      labels,
      annotations,
      severity: labels.severity,
      payload: { ...a },
    });
  }
  // A stable order, so two requests upserting the same rows lock them in the same order.
  return [...byOccurrence.values()].sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : x.startsAt.getTime() - y.startsAt.getTime()));
}

/** An Events v2 trigger as an alert: the payload's source and severity read as labels too. */
export function fromEvent(e: PagerDutyEventDto, dedupKey: string, now: Date): ReceivedAlert {
  const p = e.payload!;
  return {
    fingerprint: dedupKey,
    startsAt: now,
    status: 'firing',
    endsAt: null,
    summary: p.summary,
    labels: { source: p.source, severity: p.severity, dedup_key: dedupKey },
    annotations: { summary: p.summary },
    details: p.custom_details ?? {},
    severity: p.severity,
    payload: { ...e, routing_key: undefined },
  };
}
