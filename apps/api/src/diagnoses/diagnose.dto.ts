import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsNumber, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/**
 * Either one invoice ({invoiceNo, date?, amount?, sellerTaxId?, buyerTaxId?, folder?}) or one
 * taxpayer-period ({taxpayer, period, role?}); `as` asks with another person's scope (commanders).
 * Types are checked here; what the values mean (20 digits, check characters, a period not in the
 * future) is checked by the diagnosis, which names the field.
 */
export class DiagnoseDto {
  @ApiPropertyOptional({ example: '26112000005000012000', description: 'the invoice number (20 digits)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  invoiceNo?: string;

  @ApiPropertyOptional({ example: '2026-11-18', description: 'issue date (yyyy-MM-dd, China time); needed when the invoice is not in the ledger, as the platform finds it by number and date' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  date?: string;

  @ApiPropertyOptional({ example: 11300, description: 'amount in yuan as the holder quotes it (with or without tax), at most 2 decimals' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }, { message: 'amount must be a number of yuan with at most 2 decimals' })
  amount?: number;

  @ApiPropertyOptional({ description: "seller's unified social credit code" })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  sellerTaxId?: string;

  @ApiPropertyOptional({ description: "buyer's unified social credit code" })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  buyerTaxId?: string;

  @ApiPropertyOptional({ example: 'sales/2026-11', description: 'where the person looked for it' })
  @IsOptional()
  @IsString()
  folder?: string;

  @ApiPropertyOptional({ description: 'a reconciliation: the taxpayer (unified social credit code)' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  taxpayer?: string;

  @ApiPropertyOptional({ example: '2026-11', description: 'a reconciliation: the tax period (yyyy-MM), not in the future' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  period?: string;

  @ApiPropertyOptional({ enum: ['seller', 'buyer'], description: "a reconciliation: the taxpayer's side (default seller)" })
  @IsOptional()
  @IsIn(['seller', 'buyer'])
  role?: 'seller' | 'buyer';

  @ApiPropertyOptional({ example: 'wu-gang', description: "ask with this person's region and folder scope (commanders; anyone may name themselves)" })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9]+(-[a-z0-9]+)*$/, { message: 'as must be a person id of the team directory (lowercase words joined by dashes)' })
  @MaxLength(100)
  as?: string;
}

export const INVOICE_FIELDS = ['invoiceNo', 'date', 'amount', 'sellerTaxId', 'buyerTaxId', 'folder'] as const;
export const RECONCILE_FIELDS = ['taxpayer', 'period', 'role'] as const;
