import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { YingjiConfig } from '../../../shared/config';
import { temporalTls } from '../../../shared/temporal-connection';
import { YINGJI_CONFIG } from '../config.token';
import { TEMPORAL_CLIENT, TEMPORAL_CONNECTION } from './tokens';
import { WorkflowGateway } from './workflow-gateway';

export { TEMPORAL_CLIENT, TEMPORAL_CONNECTION };


class TemporalShutdown implements OnApplicationShutdown {
  constructor(@Inject(TEMPORAL_CONNECTION) private readonly connection: Connection) {}
  async onApplicationShutdown() {
    await this.connection.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: TEMPORAL_CONNECTION,
      inject: [YINGJI_CONFIG],
      // Lazy: the API starts (and /health says why) even while Temporal is unreachable.
      useFactory: (config: YingjiConfig) =>
        Connection.lazy({ address: config.temporal.address, tls: temporalTls(config.temporal), connectTimeout: 5000 }),
    },
    {
      provide: TEMPORAL_CLIENT,
      inject: [TEMPORAL_CONNECTION, YINGJI_CONFIG],
      useFactory: (connection: Connection, config: YingjiConfig) => new Client({ connection, namespace: config.temporal.namespace }),
    },
    TemporalShutdown,
    WorkflowGateway,
  ],
  exports: [TEMPORAL_CONNECTION, TEMPORAL_CLIENT, WorkflowGateway],
})
export class TemporalModule {}
