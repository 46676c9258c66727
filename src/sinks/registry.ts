import type { SinkType } from '../domain/sink.js';
import type { SinkDriver } from './driver.js';
import { createKinesisDriver, type KinesisDriverOptions } from './kinesis.js';

/** The driver of each sink type. Issue 5's types register here the same way. */
// biome-ignore lint/suspicious/noExplicitAny: each driver takes its own config type; the engine hands it the validated config of the sink's type.
export type SinkDriverRegistry = Record<SinkType, SinkDriver<any>>;

export interface SinkDriverOptions {
  kinesis?: KinesisDriverOptions;
}

export function createSinkDriverRegistry(opts: SinkDriverOptions = {}): SinkDriverRegistry {
  return {
    kinesis: createKinesisDriver(opts.kinesis),
  };
}

export function driverFor(registry: SinkDriverRegistry, type: string): SinkDriver<unknown> {
  const driver = (registry as Record<string, SinkDriver<unknown> | undefined>)[type];
  if (!driver) throw new Error(`no driver for sink type ${type}`);
  return driver;
}
