// Real servers: a test may wait on workflow timers, restarts and worker start-up.
jest.setTimeout(120_000);
