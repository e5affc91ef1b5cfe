import 'reflect-metadata';
import { BadRequestException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT, YingjiConfig } from '../../shared/config';
import { AppModule } from './app.module';
import { safeInput } from './http/safe-input';

/** Builds the API application (used by main.ts and by the tests). */
export async function createApp(config: YingjiConfig, opts: { logger?: false } = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: opts.logger === false ? false : ['error', 'warn', 'log'],
    bodyParser: false,
    // HTTPS when a certificate is given (YINGJI_TLS_CERT / YINGJI_TLS_KEY), read once at start.
    httpsOptions: config.apiTls ? { cert: fs.readFileSync(config.apiTls.certFile), key: fs.readFileSync(config.apiTls.keyFile) } : undefined,
  });
  // Security headers on every answer; nothing says which framework serves it.
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  app.use(
    // HSTS on every answer: browsers ignore it over plain HTTP, and behind a TLS-terminating proxy
    // the API itself speaks HTTP while the browser sees HTTPS.
    // No upgrade-insecure-requests: the console and reports are also opened over plain HTTP inside a network.
    helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
  );
  app.use((_req: Request, res: Response, next: NextFunction) => {
    // Answers carry incidents, tokens' details, evidence: no browser or proxy keeps a copy (a handler may say otherwise).
    res.setHeader('Cache-Control', 'no-store');
    // Neither the console nor a report needs the camera, microphone, location or payment.
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    next();
  });
  serveConsole(app);
  // Our own parsers, so the error handler right after them sees their failures first.
  const limit = config.apiBodyLimit ?? '1mb';
  app.use(express.json({ limit }));
  app.use(express.text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], limit }));
  // A body that is not JSON gets a 400 that says so, a too-large one 413 naming the limit; never a stack trace.
  app.use((err: Error & { type?: string; length?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ statusCode: 400, error: 'Bad Request', message: `request body is not valid JSON: ${err.message}` });
      return;
    }
    if (err?.type === 'entity.too.large') {
      const size = err.length ? `${err.length} bytes` : 'larger than that';
      res.status(413).json({ statusCode: 413, error: 'Payload Too Large', message: `request body is ${size}; the limit is ${limit} (YINGJI_API_BODY_LIMIT)` });
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

/**
 * The web console, built into dist/console at setup (npm run build), served from this origin: its
 * page and assets need no token (they hold no data); every call it makes is an API call like any
 * other. `/` opens it.
 */
function serveConsole(app: NestExpressApplication): void {
  const dir = path.join(PROJECT_ROOT, 'dist', 'console');
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (fs.existsSync(path.join(dir, 'index.html'))) return next();
    res.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: 'the console is not built: run npm run build' });
  });
  app.use('/console', express.static(dir, { index: 'index.html', fallthrough: false }));
  app.getHttpAdapter().getInstance().get('/', (_req: Request, res: Response) => res.redirect(302, '/console/'));
}

/** Each failed constraint's message; a nested one is named by its path (`findings[0].due must be ...`). */
function validationMessages(e: ValidationError, parent = ''): string[] {
  const own = Object.values(e.constraints ?? {}).map((m) => (parent ? `${parent}${m}` : m));
  const at = `${parent}${/^\d+$/.test(e.property) ? `[${e.property}]` : e.property}`;
  const nested = (e.children ?? []).flatMap((c) => validationMessages(c, /^\d+$/.test(c.property) ? at : `${at}.`));
  return own.length || nested.length ? [...own, ...nested] : [`${at} is invalid`];
}
