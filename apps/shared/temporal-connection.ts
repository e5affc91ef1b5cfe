import * as fs from 'node:fs';
import type { TemporalConfig } from './config';

/** TLS options shared by the client Connection and the worker NativeConnection. */
export function temporalTls(config: TemporalConfig) {
  if (!config.tlsCertPath && !config.tlsCaPath) return undefined;
  return {
    clientCertPair: config.tlsCertPath
      ? { crt: fs.readFileSync(config.tlsCertPath), key: fs.readFileSync(config.tlsKeyPath!) }
      : undefined,
    serverRootCACertificate: config.tlsCaPath ? fs.readFileSync(config.tlsCaPath) : undefined,
  };
}
