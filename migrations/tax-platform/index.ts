import { CreateTaxPlatform1796000000000 } from './1796000000000-create-tax-platform';
import { FaultExpiry1796100000000 } from './1796100000000-fault-expiry';

/** The tax-platform simulator's migrations, oldest first. A landed migration is never edited: add a new one. */
export const TAX_PLATFORM_MIGRATIONS = [CreateTaxPlatform1796000000000, FaultExpiry1796100000000];
