import type { SinkType } from '../domain/sink.js';
import { createConsoleDriver } from './console.js';
import type { SinkDriver } from './driver.js';
import { createHttpDriver } from './http.js';
import { createKinesisDriver, type KinesisDriverOptions } from './kinesis.js';
import { createS3Driver } from './s3.js';
import { createSsrfGuard } from './ssrf-guard.js';
import { createSyslogDriver } from './syslog.js';

/** The driver of each sink type. */
// biome-ignore lint/suspicious/noExplicitAny: each driver takes its own config type; the engine hands it the validated config of the sink's type.
export type SinkDriverRegistry = Record<SinkType, SinkDriver<any>>;

export interface SinkDriverOptions {
  kinesis?: KinesisDriverOptions;
  /** AUDIT_ALLOW_PRIVATE_SINK_HOSTS: lifts the SSRF guard of the http and syslog sinks. */
  allowPrivateSinkHosts?: boolean;
  /** AWS_ENDPOINT_URL_S3. */
  s3EndpointUrl?: string;
}

export function createSinkDriverRegistry(opts: SinkDriverOptions = {}): SinkDriverRegistry {
  const guard = createSsrfGuard({ allowPrivate: opts.allowPrivateSinkHosts ?? false });
  return {
    kinesis: createKinesisDriver(opts.kinesis),
    s3: createS3Driver({ endpointUrl: opts.s3EndpointUrl }),
    http: createHttpDriver({ guard }),
    syslog: createSyslogDriver({ guard }),
    console: createConsoleDriver(),
  };
}

export function driverFor(registry: SinkDriverRegistry, type: string): SinkDriver<unknown> {
  const driver = (registry as Record<string, SinkDriver<unknown> | undefined>)[type];
  if (!driver) throw new Error(`no driver for sink type ${type}`);
  return driver;
}
