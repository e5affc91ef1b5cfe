// Invoices that reached the platform before this simulator existed (e.g. a generated history marked
// synced): an admin import puts them where a real platform would have them, without counting them
// as uploads, so a reconciliation compares like with like.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import type { Pool } from 'pg';
import { taxPeriodOf } from '../../../domain/einvoice';
import { badData } from './codes';
import { InvoiceRowDto } from './dto';

// About 330 bytes a row: a call stays under the 8 MB body limit.
export const MAX_HISTORY_ROWS = 20_000;

export class ImportHistoryDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_HISTORY_ROWS, { message: `$property holds at most ${MAX_HISTORY_ROWS} rows a call` })
  @ValidateNested({ each: true })
  @Type(() => InvoiceRowDto)
  invoices: InvoiceRowDto[];
}

/** Adds the rows the tenant does not hold yet; answers how many were new and how many it already had. */
export async function importHistory(db: Pool, tenant: string, dto: ImportHistoryDto): Promise<{ imported: number; alreadyThere: number }> {
  const rows = dto.invoices;
  const wrong = rows.findIndex((r) => r.jshj !== r.hjje + r.hjse);
  if (wrong >= 0) throw badData(`history: invoices[${wrong}].jshj ${rows[wrong].jshj} is not hjje + hjse (${rows[wrong].hjje + rows[wrong].hjse})`);
  const r = await db.query(
    `INSERT INTO tp_invoices (tenant, sllsh, visible_at, fphm, kprq, period, xsfnsrsbh, gmfnsrsbh, hjje, hjse, jshj, lzfphm)
     SELECT $1, 'history', clock_timestamp(), *
       FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[])
     ON CONFLICT (tenant, fphm) DO NOTHING`,
    [
      tenant,
      rows.map((x) => x.fphm), rows.map((x) => x.kprq), rows.map((x) => taxPeriodOf(new Date(x.kprq))),
      rows.map((x) => x.xsfnsrsbh), rows.map((x) => x.gmfnsrsbh ?? null),
      rows.map((x) => String(x.hjje)), rows.map((x) => String(x.hjse)), rows.map((x) => String(x.jshj)), rows.map((x) => x.lzfphm ?? null),
    ],
  );
  return { imported: r.rowCount ?? 0, alreadyThere: rows.length - (r.rowCount ?? 0) };
}
