// What other parts of Yingji (the stack, tests, drills) use from the simulator.
export { DEFAULT_TENANT, TENANT_HEADER } from './app';
export { PLATFORM_CODES } from './codes';
export { taxPlatformConfig } from './config';
export { FAULT_KINDS } from './faults';
export type { Fault, FaultKind } from './faults';
export { startTaxPlatform } from './server';
export type { RunningTaxPlatform, TaxPlatformOptions } from './server';
