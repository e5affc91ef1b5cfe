import {
  ArgumentMetadata,
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  PipeTransform,
  ServiceUnavailableException,
  Type,
  UnsupportedMediaTypeException,
  ValidationPipe,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { finalize, Observable } from 'rxjs';
import { ALERT_SETTINGS, AlertSettings } from './alert-settings';

/** Alert senders post JSON; anything else is 415 naming what came (before the body is looked at). */
@Injectable()
export class JsonOnly implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (!req.is('application/json')) {
      const given = req.headers['content-type'] ?? '(none)';
      throw new UnsupportedMediaTypeException(`Content-Type ${given} is not accepted: alerts are posted as application/json`);
    }
    return next.handle();
  }
}

/** The intake work in flight, one count for both intake routes. */
@Injectable()
export class IntakeGate {
  inFlight = 0;

  constructor(@Inject(ALERT_SETTINGS) readonly settings: AlertSettings) {}
}

/**
 * Bounds the intake work in flight. Past the bound a request is shed with 503 and Retry-After,
 * never 429: Alertmanager retries a 5xx with backoff but drops a 429 and its alerts with it.
 */
@Injectable()
export class IntakeLimit implements NestInterceptor {
  constructor(private readonly gate: IntakeGate) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const g = this.gate;
    if (g.inFlight >= g.settings.intakeConcurrency) {
      ctx.switchToHttp().getResponse<Response>().setHeader('Retry-After', '1');
      throw new ServiceUnavailableException(`alert intake is busy (${g.inFlight} requests in progress): send again shortly; nothing of this request was stored`);
    }
    g.inFlight++;
    return next.handle().pipe(finalize(() => g.inFlight--));
  }
}

/**
 * Validates a sender's body with its DTO but, unlike the global pipe, keeps unknown fields:
 * senders add fields in new releases and must not be refused for them. The handler's parameter is
 * typed with an interface so the global (whitelisting) pipe leaves it alone.
 */
export function LenientBody(dto: Type<unknown>): PipeTransform {
  const pipe = new ValidationPipe({ transform: true, whitelist: false, forbidNonWhitelisted: false, forbidUnknownValues: false });
  return {
    transform: (value: unknown, meta: ArgumentMetadata) => {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadRequestException('the body must be a JSON object');
      return pipe.transform(value, { ...meta, metatype: dto });
    },
  };
}
