// The robot server's folder: messages.jsonl (what it accepted) and refusals.jsonl (what it refused,
// with the code it answered), one JSON line each, oldest first. Never a token or a secret.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RobotKind } from './config';

export interface RobotMessage {
  id: string;
  kind: RobotKind;
  robot: string;
  receivedAt: string;
  /** The sender's Idempotency-Key header, when it sent one. */
  idempotencyKey?: string;
  text: string;
}

export interface RobotRefusal {
  kind: RobotKind;
  /** Unset when no configured robot has the token. */
  robot?: string;
  receivedAt: string;
  code: number;
  why: string;
}

export const messagesFile = (dir: string) => path.join(dir, 'messages.jsonl');
export const refusalsFile = (dir: string) => path.join(dir, 'refusals.jsonl');

function lines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

function append(dir: string, file: string, value: unknown): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(value)}\n`);
}

export const listRobotMessages = (dir: string) => lines<RobotMessage>(messagesFile(dir));
export const listRobotRefusals = (dir: string) => lines<RobotRefusal>(refusalsFile(dir));
export const keepRobotMessage = (dir: string, m: RobotMessage) => append(dir, messagesFile(dir), m);
export const keepRobotRefusal = (dir: string, r: RobotRefusal) => append(dir, refusalsFile(dir), r);
