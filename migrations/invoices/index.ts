import { CreateInvoices1795400000000 } from './1795400000000-create-invoices';
import { RestoreProgress1795500000000 } from './1795500000000-restore-progress';
import { RestoreDigest1795600000000 } from './1795600000000-restore-digest';
import { TaxSync1795700000000 } from './1795700000000-tax-sync';
import { IssuingRegions1795800000000 } from './1795800000000-issuing-regions';

/** The invoice database's migrations, oldest first. A landed migration is never edited: add a new one. */
export const INVOICE_MIGRATIONS = [CreateInvoices1795400000000, RestoreProgress1795500000000, RestoreDigest1795600000000, TaxSync1795700000000, IssuingRegions1795800000000];

/** The row trigger on `invoices` that fills `invoice_changes` (the bulk generator disables it). */
export const INVOICE_CHANGE_TRIGGER = 'invoices_change_log';
