import 'reflect-metadata';
import { BadRequestException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { YingjiConfig } from '../../shared/config';
import { AppModule } from './app.module';
import { safeInput } from './http/safe-input';

/** Builds the API application (used by main.ts and by the tests). */
export async function createApp(config: YingjiConfig, opts: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: opts.logger === false ? false : ['error', 'warn', 'log'],
    bodyParser: false,
  });
  // Security headers on every answer; nothing says which framework serves it.
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  // No upgrade-insecure-requests: the console and reports are also opened over plain HTTP inside a network.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Our own parsers, so the error handler right after them sees their failures first.
  app.use(express.json({ limit: '1mb' }));
  app.use(express.text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], limit: '1mb' }));
  // A body that is not JSON gets a 400 that says so, not a stack trace.
  app.use((err: Error & { type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `request body is not valid JSON: ${err.message}` });
      return;
    }
    next(err);
  });
  app.use(safeInput);
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: true,
      exceptionFactory: (errors) => new BadRequestException(errors.flatMap((e) => validationMessages(e))),
    }),
  );
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle('Yingji 应急 API')
    .setDescription('Emergency plans as durable workflows: launch, steer, complete, drill, audit.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'a token from `yingji token create`' })
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc));
  return app;
}

/** Each failed constraint's message; a nested one is named by its path (`findings[0].due must be ...`). */
function validationMessages(e: ValidationError, parent = ''): string[] {
  const own = Object.values(e.constraints ?? {}).map((m) => (parent ? `${parent}${m}` : m));
  const at = `${parent}${/^\d+$/.test(e.property) ? `[${e.property}]` : e.property}`;
  const nested = (e.children ?? []).flatMap((c) => validationMessages(c, /^\d+$/.test(c.property) ? at : `${at}.`));
  return own.length || nested.length ? [...own, ...nested] : [`${at} is invalid`];
}
