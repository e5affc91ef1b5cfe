import { loadConfig } from '../../shared/config';
import { ApiClient, readCliConfig } from './api-client';
import { readStack } from './stack';

/** The API to talk to and the caller's token: environment first, then `yingji login`'s file, then the local stack. */
export function apiClient(): ApiClient {
  const file = readCliConfig();
  const api = process.env.YINGJI_API_URL || file.api || readStack(loadConfig())?.api || `http://127.0.0.1:${loadConfig().apiPort}`;
  const token = process.env.YINGJI_TOKEN || file.token;
  if (!token) throw new Error('no token: set YINGJI_TOKEN or run `yingji login --token <token>` (an admin issues one with `yingji token create`)');
  return new ApiClient(api.replace(/\/$/, ''), token);
}
