// apps/im-robots: the embedded stack's DingTalk, Feishu and WeCom robots as their own process
// (chat messages that stay on this machine).
import { runUntilSignalled } from '../../shared/run-process';
import { imRobotsConfig } from './config';
import { startImRobots } from './server';

// Tokens and secrets are never printed.
runUntilSignalled('im-robots', () => startImRobots(imRobotsConfig()), (r) => `listening on ${r.url} (${r.robots.join(', ')}), keeping messages in ${r.dir}`);
