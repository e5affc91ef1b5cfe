import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tax-platform simulator's own database (tax-platform.md, "The simulator"). Every table is
 * keyed by `tenant` first: a drill's tenant never sees production's invoices, faults or counters.
 *
 * - tp_uploads: one accepted batch (QDFPSC), keyed by its request serial `fpqqlsh` (the
 *   idempotency key; a repeat is refused with 6655); `sllsh` is the acceptance serial.
 * - tp_upload_results: the per-invoice outcome of a batch (CXQDFPSCJG): '00' or an error code;
 *   `ready_at` is when the result may be shown (a `delay` fault holds it back).
 * - tp_invoices: what the platform holds. `visible_at` hides an invoice accepted under `delay`.
 * - tp_faults: the faults switched on, one row per tenant and kind, so they survive a restart.
 * - tp_counters: per tenant and taxpayer, what /_sim/stats reports.
 * - tp_declarations: a confirmed monthly summary (SCFPHZQRXX).
 */
export class CreateTaxPlatform1796000000000 implements MigrationInterface {
  name = 'CreateTaxPlatform1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tp_uploads (
        tenant      text        NOT NULL,
        fpqqlsh     text        NOT NULL,
        sllsh       text        NOT NULL UNIQUE,
        nsrsbh      char(18)    NOT NULL,
        rows        integer     NOT NULL CHECK (rows >= 1),
        accepted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant, fpqqlsh)
      )`);
    await q.query(`
      CREATE TABLE tp_upload_results (
        sllsh    text        NOT NULL REFERENCES tp_uploads (sllsh),
        seq      integer     NOT NULL,
        fphm     char(20)    NOT NULL,
        status   text        NOT NULL,
        message  text        NOT NULL,
        ready_at timestamptz NOT NULL,
        PRIMARY KEY (sllsh, seq)
      )`);
    await q.query(`
      CREATE TABLE tp_invoices (
        tenant      text        NOT NULL,
        fphm        char(20)    NOT NULL,
        kprq        timestamptz NOT NULL,
        period      char(7)     NOT NULL,
        xsfnsrsbh   char(18)    NOT NULL,
        gmfnsrsbh   char(18),
        hjje        bigint      NOT NULL,
        hjse        bigint      NOT NULL,
        jshj        bigint      NOT NULL CHECK (jshj = hjje + hjse),
        lzfphm      char(20),
        sllsh       text        NOT NULL,
        visible_at  timestamptz NOT NULL,
        PRIMARY KEY (tenant, fphm)
      )`);
    await q.query(`CREATE INDEX tp_invoices_seller_idx ON tp_invoices (tenant, xsfnsrsbh, period)`);
    await q.query(`CREATE INDEX tp_invoices_buyer_idx ON tp_invoices (tenant, gmfnsrsbh, period)`);
    await q.query(`
      CREATE TABLE tp_faults (
        tenant     text        NOT NULL,
        kind       text        NOT NULL,
        params     jsonb       NOT NULL DEFAULT '{}',
        set_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant, kind)
      )`);
    await q.query(`
      CREATE TABLE tp_counters (
        tenant            text    NOT NULL,
        nsrsbh            char(18) NOT NULL,
        uploads           bigint  NOT NULL DEFAULT 0,
        invoices          bigint  NOT NULL DEFAULT 0,
        duplicate_serials bigint  NOT NULL DEFAULT 0,
        already_exists    bigint  NOT NULL DEFAULT 0,
        drops             bigint  NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant, nsrsbh)
      )`);
    await q.query(`
      CREATE TABLE tp_declarations (
        tenant       text        NOT NULL,
        nsrsbh       char(18)    NOT NULL,
        period       char(7)     NOT NULL,
        confirmed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (tenant, nsrsbh, period)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE tp_declarations`);
    await q.query(`DROP TABLE tp_counters`);
    await q.query(`DROP TABLE tp_faults`);
    await q.query(`DROP TABLE tp_invoices`);
    await q.query(`DROP TABLE tp_upload_results`);
    await q.query(`DROP TABLE tp_uploads`);
  }
}
