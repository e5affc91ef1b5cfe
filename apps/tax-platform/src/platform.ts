// The platform's calls over its database: upload (QDFPSC), upload result (CXQDFPSCJG), list by
// taxpayer and period, one invoice by number and date, monthly summary (SCFPHZQRXX).
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { PlatformRecord } from '../../../activities/tax-platform/wire';
import { taxPeriodOf } from '../../../domain/einvoice';
import { OK, PLATFORM_CODES, PlatformError, SIM_CODES, badData } from './codes';
import type { ListInvoicesDto, OneInvoiceDto, SummaryDto, UploadInvoicesDto } from './dto';
import { MAX_PAGE_SIZE } from './dto';
import type { ActiveFaults } from './faults';
import { count } from './stats';

/** An invoice as the simulator answers it: the wire contract's record, always with its direction. */
export type PlatformInvoice = PlatformRecord & { kind: 'blue' | 'red' };

const INVOICE_SELECT = `SELECT fphm, kprq, xsfnsrsbh, gmfnsrsbh, hjje::text, hjse::text, jshj::text, lzfphm FROM tp_invoices`;

function toInvoice(r: Record<string, unknown>): PlatformInvoice {
  const hjje = Number(r.hjje);
  return {
    fphm: String(r.fphm),
    kprq: (r.kprq as Date).toISOString(),
    xsfnsrsbh: String(r.xsfnsrsbh),
    gmfnsrsbh: (r.gmfnsrsbh as string | null) ?? null,
    hjje,
    hjse: Number(r.hjse),
    jshj: Number(r.jshj),
    lzfphm: (r.lzfphm as string | null) ?? null,
    kind: hjje < 0 ? 'red' : 'blue',
  };
}

/** What class-validator cannot see row by row: totals, red-letter rules, the uploader, repeats. */
function crossCheck(dto: UploadInvoicesDto): void {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  dto.invoices.forEach((r, i) => {
    const at = `invoices[${i}]`;
    if (r.xsfnsrsbh !== dto.nsrsbh) problems.push(`${at}.xsfnsrsbh ${r.xsfnsrsbh} is not the uploading taxpayer nsrsbh ${dto.nsrsbh}`);
    if (!/(Z|[+-]\d{2}:?\d{2})$/.test(r.kprq)) problems.push(`${at}.kprq must carry its UTC offset (e.g. +08:00), got ${JSON.stringify(r.kprq)}`);
    for (const f of ['hjje', 'hjse', 'jshj'] as const) if (!Number.isSafeInteger(r[f])) problems.push(`${at}.${f} must be an integer number of fen`);
    if (r.hjje === 0) problems.push(`${at}.hjje must not be 0`);
    if (r.jshj !== r.hjje + r.hjse) problems.push(`${at}.jshj ${r.jshj} is not hjje + hjse (${r.hjje + r.hjse})`);
    if (r.hjje < 0 && !r.lzfphm) problems.push(`${at}.lzfphm is required on a red-letter invoice (negative hjje)`);
    if (r.hjje > 0 && r.lzfphm) problems.push(`${at}.lzfphm is only for a red-letter invoice (hjje is positive)`);
    const first = seen.get(r.fphm);
    if (first !== undefined) problems.push(`${at}.fphm ${r.fphm} repeats invoices[${first}].fphm`);
    else seen.set(r.fphm, i);
  });
  if (problems.length) throw badData(`upload: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`);
}

export class Platform {
  constructor(private readonly db: Pool) {}

  /** QDFPSC: accepts the batch, or refuses a repeated serial with 6655 (naming the first acceptance). */
  async upload(tenant: string, dto: UploadInvoicesDto, faults: ActiveFaults): Promise<{ sllsh: string; fpqqlsh: string; rows: number }> {
    crossCheck(dto);
    const sllsh = `SL${Date.now().toString(36).toUpperCase()}${randomBytes(8).toString('hex').toUpperCase()}`;
    const rows = dto.invoices;
    const dropped = rows.map(() => (faults.drop ? Math.random() < faults.drop.share : false));
    const delayMs = faults.delay?.ms ?? 0;
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      const accepted = await client.query(
        `INSERT INTO tp_uploads (tenant, fpqqlsh, sllsh, nsrsbh, rows) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, fpqqlsh) DO NOTHING RETURNING sllsh`,
        [tenant, dto.fpqqlsh, sllsh, dto.nsrsbh, rows.length],
      );
      if (!accepted.rowCount) {
        await client.query('ROLLBACK');
        const first = (await this.db.query<{ sllsh: string }>('SELECT sllsh FROM tp_uploads WHERE tenant = $1 AND fpqqlsh = $2', [tenant, dto.fpqqlsh])).rows[0];
        await count(this.db, tenant, dto.nsrsbh, { duplicate_serials: 1 });
        throw new PlatformError(PLATFORM_CODES.DUPLICATE_SERIAL, `request serial fpqqlsh ${dto.fpqqlsh} was already accepted as sllsh ${first?.sllsh}: query that result instead`, {
          sllsh: first?.sllsh,
        });
      }
      const kept = rows.filter((_, i) => !dropped[i]);
      const inserted = new Set(
        (
          await client.query<{ fphm: string }>(
            `INSERT INTO tp_invoices (tenant, sllsh, visible_at, fphm, kprq, period, xsfnsrsbh, gmfnsrsbh, hjje, hjse, jshj, lzfphm)
             SELECT $1, $2, clock_timestamp() + $3::int * interval '1 millisecond', *
               FROM unnest($4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[])
             ON CONFLICT (tenant, fphm) DO NOTHING RETURNING fphm`,
            [
              tenant, sllsh, delayMs,
              kept.map((r) => r.fphm), kept.map((r) => r.kprq), kept.map((r) => taxPeriodOf(new Date(r.kprq))),
              kept.map((r) => r.xsfnsrsbh), kept.map((r) => r.gmfnsrsbh ?? null),
              kept.map((r) => String(r.hjje)), kept.map((r) => String(r.hjse)), kept.map((r) => String(r.jshj)), kept.map((r) => r.lzfphm ?? null),
            ],
          )
        ).rows.map((r) => r.fphm),
      );
      const outcome = rows.map((r, i) =>
        dropped[i]
          ? { status: PLATFORM_CODES.UNSTABLE, message: 'accepted, then lost while processing (sync failure): upload it again with a new serial', delay: 0 }
          : inserted.has(r.fphm)
            ? { status: OK, message: 'ok', delay: delayMs }
            : { status: PLATFORM_CODES.ALREADY_EXISTS, message: `invoice ${r.fphm} is already on the platform: query it instead`, delay: 0 },
      );
      await client.query(
        `INSERT INTO tp_upload_results (sllsh, seq, fphm, status, message, ready_at)
         SELECT $1, s, f, st, m, clock_timestamp() + d * interval '1 millisecond'
           FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::int[]) AS u(s, f, st, m, d)`,
        [sllsh, rows.map((_, i) => i), rows.map((r) => r.fphm), outcome.map((o) => o.status), outcome.map((o) => o.message), outcome.map((o) => o.delay)],
      );
      await count(client, tenant, dto.nsrsbh, {
        uploads: 1,
        invoices: inserted.size,
        already_exists: outcome.filter((o) => o.status === PLATFORM_CODES.ALREADY_EXISTS).length,
        drops: dropped.filter(Boolean).length,
      });
      await client.query('COMMIT');
      return { sllsh, fpqqlsh: dto.fpqqlsh, rows: rows.length };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** CXQDFPSCJG: per invoice `00` or an error code; `processing` while some rows are not done. */
  async result(tenant: string, sllsh: string) {
    const up = (await this.db.query('SELECT fpqqlsh, rows FROM tp_uploads WHERE tenant = $1 AND sllsh = $2', [tenant, sllsh])).rows[0];
    if (!up) throw new PlatformError(SIM_CODES.NOT_FOUND, `no upload with acceptance serial sllsh ${sllsh}`);
    const rows = (
      await this.db.query<{ fphm: string; status: string; message: string; ready: boolean }>(
        'SELECT fphm, status, message, ready_at <= clock_timestamp() AS ready FROM tp_upload_results WHERE sllsh = $1 ORDER BY seq',
        [sllsh],
      )
    ).rows;
    const done = rows.filter((r) => r.ready);
    return {
      sllsh,
      fpqqlsh: up.fpqqlsh,
      state: done.length === rows.length ? 'done' : 'processing',
      pending: rows.length - done.length,
      results: done.map((r) => ({ fphm: r.fphm, status: r.status, message: r.message })),
    };
  }

  /** Invoices of a taxpayer (as seller, or as buyer) in a period, ≤ 50 a page, oldest first. */
  async list(tenant: string, q: ListInvoicesDto) {
    const column = q.role === 'buyer' ? 'gmfnsrsbh' : 'xsfnsrsbh';
    const page = q.page ?? 1;
    const size = q.size ?? MAX_PAGE_SIZE;
    const where = `WHERE tenant = $1 AND ${column} = $2 AND period = $3 AND visible_at <= clock_timestamp()`;
    const total = Number((await this.db.query(`SELECT count(*) AS n FROM tp_invoices ${where}`, [tenant, q.nsrsbh, q.period])).rows[0].n);
    const rows = (await this.db.query(`${INVOICE_SELECT} ${where} ORDER BY kprq, fphm LIMIT $4 OFFSET $5`, [tenant, q.nsrsbh, q.period, size, (page - 1) * size])).rows;
    return { nsrsbh: q.nsrsbh, role: q.role ?? 'seller', period: q.period, page, size, total, pages: Math.ceil(total / size), invoices: rows.map(toInvoice) };
  }

  /** One invoice: number and issue date (China Standard Time), as the real download needs both. */
  async one(tenant: string, q: OneInvoiceDto): Promise<PlatformInvoice> {
    const r = (
      await this.db.query(
        `${INVOICE_SELECT} WHERE tenant = $1 AND fphm = $2 AND to_char(kprq AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') = $3 AND visible_at <= clock_timestamp()`,
        [tenant, q.fphm, q.kprq],
      )
    ).rows[0];
    if (!r) throw new PlatformError(SIM_CODES.NOT_FOUND, `no invoice fphm ${q.fphm} issued on kprq ${q.kprq}`);
    return toInvoice(r);
  }

  /** SCFPHZQRXX: blue and red counts and amounts a seller issued in a period; its declaration status. */
  async summary(tenant: string, q: SummaryDto) {
    const s = (
      await this.db.query(
        `SELECT count(*) FILTER (WHERE hjje > 0) AS blue_n, coalesce(sum(hjje) FILTER (WHERE hjje > 0), 0)::text AS blue_je,
                coalesce(sum(hjse) FILTER (WHERE hjje > 0), 0)::text AS blue_se, coalesce(sum(jshj) FILTER (WHERE hjje > 0), 0)::text AS blue_hj,
                count(*) FILTER (WHERE hjje < 0) AS red_n, coalesce(sum(hjje) FILTER (WHERE hjje < 0), 0)::text AS red_je,
                coalesce(sum(hjse) FILTER (WHERE hjje < 0), 0)::text AS red_se, coalesce(sum(jshj) FILTER (WHERE hjje < 0), 0)::text AS red_hj
           FROM tp_invoices WHERE tenant = $1 AND xsfnsrsbh = $2 AND period = $3 AND visible_at <= clock_timestamp()`,
        [tenant, q.nsrsbh, q.period],
      )
    ).rows[0];
    const confirmed = (await this.db.query('SELECT confirmed_at FROM tp_declarations WHERE tenant = $1 AND nsrsbh = $2 AND period = $3', [tenant, q.nsrsbh, q.period])).rows[0];
    const part = (p: 'blue' | 'red') => ({ count: Number(s[`${p}_n`]), hjje: Number(s[`${p}_je`]), hjse: Number(s[`${p}_se`]), jshj: Number(s[`${p}_hj`]) });
    return {
      nsrsbh: q.nsrsbh,
      period: q.period,
      blue: part('blue'),
      red: part('red'),
      declaration: confirmed ? { status: 'confirmed', confirmedAt: (confirmed.confirmed_at as Date).toISOString() } : { status: 'not-confirmed' },
    };
  }

  /** The taxpayer confirms the period's summary (the step before declaring); a repeat changes nothing. */
  async confirm(tenant: string, q: SummaryDto) {
    await this.db.query('INSERT INTO tp_declarations (tenant, nsrsbh, period) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [tenant, q.nsrsbh, q.period]);
    return this.summary(tenant, q);
  }
}
