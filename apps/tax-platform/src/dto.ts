// The shapes of the platform calls (direct-connect field names, simplified; amounts in fen).
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsCreditCode, IsInvoiceNo, IsTaxPeriod } from './validation';

/** The real QDFPSC takes at most 5,000 rows a batch. */
export const MAX_BATCH_ROWS = 5000;
/** Like the real red-form queries: at most 50 rows a page. */
export const MAX_PAGE_SIZE = 50;

export class InvoiceRowDto {
  /** 发票号码: the 20-digit number. */
  @IsInvoiceNo() fphm: string;
  /** 开票日期: the issue instant, ISO 8601 with an offset. */
  @IsISO8601({ strict: true, strictSeparator: true }) kprq: string;
  /** 销售方纳税人识别号: the seller's credit code. */
  @IsCreditCode() xsfnsrsbh: string;
  /** 购买方纳税人识别号: the buyer's credit code (absent for a person). */
  @IsOptional() @IsCreditCode() gmfnsrsbh?: string;
  /** 合计金额 (amount excluding tax), 合计税额 (tax), 价税合计 (total), in fen; negative on a red-letter invoice. */
  @IsInt() hjje: number;
  @IsInt() hjse: number;
  @IsInt() jshj: number;
  /** 蓝字发票号码: the original of a red-letter invoice. */
  @IsOptional() @IsInvoiceNo() lzfphm?: string;
}

export class UploadInvoicesDto {
  /** 发票请求流水号: the caller's request serial, the idempotency key of the batch. */
  @IsString() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: '$property must be 1-64 letters, digits, _ or -' }) fpqqlsh: string;
  /** 纳税人识别号 of the uploading taxpayer (every row's seller). */
  @IsCreditCode() nsrsbh: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_ROWS, { message: `$property holds at most ${MAX_BATCH_ROWS} rows a batch` })
  @ValidateNested({ each: true })
  @Type(() => InvoiceRowDto)
  invoices: InvoiceRowDto[];
}

export class UploadResultDto {
  /** 受理流水号: the acceptance serial QDFPSC answered. */
  @IsString() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: '$property must be an acceptance serial' }) sllsh: string;
}

export class ListInvoicesDto {
  @IsCreditCode() nsrsbh: string;
  @IsTaxPeriod() period: string;
  @IsOptional() @IsIn(['seller', 'buyer']) role?: 'seller' | 'buyer';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE) size?: number;
}

export class OneInvoiceDto {
  @IsInvoiceNo() fphm: string;
  /** The issue date, yyyy-MM-dd in China Standard Time: the real download needs it too. */
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: '$property must be a date yyyy-MM-dd' }) kprq: string;
}

export class SummaryDto {
  @IsCreditCode() nsrsbh: string;
  @IsTaxPeriod() period: string;
}

export class LoginDto {
  @IsCreditCode() nsrsbh: string;
}
