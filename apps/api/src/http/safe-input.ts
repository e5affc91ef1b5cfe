// Every value the API accepts is one PostgreSQL can store and a terminal can print: checked once,
// at the door, for the path, the query and the body, before any route, guard or workflow sees it.
import type { NextFunction, Request, Response } from 'express';
import { textProblem, valueProblem } from '../../../../domain/text/storable';

function problemOf(req: Request): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return 'the request path has a malformed %-escape';
  }
  const inPath = textProblem(path);
  if (inPath) return `the request path ${inPath}`;
  const inQuery = valueProblem(req.query, 'query');
  if (inQuery) return inQuery;
  if (typeof req.body === 'string') {
    // A YAML or text body is as long as its route allows: only its characters are checked here.
    const why = textProblem(req.body, Infinity);
    return why && `the request body ${why}`;
  }
  return req.body === undefined ? undefined : valueProblem(req.body, 'body');
}

/** Express middleware: 400 naming the field and the problem; nothing further runs. */
export function safeInput(req: Request, res: Response, next: NextFunction): void {
  const problem = problemOf(req);
  if (!problem) return next();
  res.status(400).json({ statusCode: 400, error: 'Bad Request', message: problem });
}
