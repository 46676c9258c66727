import {
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandOutput,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisSinkConfig } from '../domain/sink.js';
import { assumeRoleCredentials } from './aws-assume-role.js';
import { createClientCache } from './client-cache.js';
import { type DeliveryBatch, type DeliveryContext, SinkDeliveryError, type SinkDriver } from './driver.js';

/** PutRecords limits: 500 records and 5 MiB (data plus partition keys) a call. */
export const KINESIS_MAX_RECORDS = 500;
export const KINESIS_MAX_BYTES = 5 * 1024 * 1024;
/** Records that fail inside a successful response are retried alone this many times. */
export const KINESIS_RECORD_RETRIES = 5;

/** Per-record error codes worth retrying; any other one means the sink is misconfigured (e.g. KMS). */
const RETRYABLE_RECORD_ERRORS = new Set(['ProvisionedThroughputExceededException', 'InternalFailure']);

/** Exceptions that retrying cannot fix until the customer changes something. */
const CONFIG_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'AccessDenied',
  'ValidationException',
  'InvalidArgumentException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'RegionDisabledException',
  'MalformedPolicyDocument',
]);

export interface StreamRef {
  arn: string;
  region: string;
  name: string;
}

export function parseStreamArn(arn: string): StreamRef {
  // arn:<partition>:kinesis:<region>:<account>:stream/<name>
  const parts = arn.split(':');
  const resource = parts.slice(5).join(':');
  return { arn, region: parts[3] ?? '', name: resource.replace(/^stream\//, '') };
}

export function classifyKinesisError(err: unknown, what: string): SinkDeliveryError {
  if (err instanceof SinkDeliveryError) return err;
  const name = (err as { name?: string }).name ?? 'Error';
  const message = `${what}: ${name}: ${(err as Error).message ?? String(err)}`;
  return new SinkDeliveryError(message, CONFIG_ERRORS.has(name) ? 'config' : 'retryable', { cause: err });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Cuts records into PutRecords calls of at most 500 records and 5 MiB, keeping their order. */
export function chunkRecords(records: PutRecordsRequestEntry[]): PutRecordsRequestEntry[][] {
  const chunks: PutRecordsRequestEntry[][] = [];
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = (record.Data?.byteLength ?? 0) + Buffer.byteLength(record.PartitionKey ?? '');
    if (current.length > 0 && (current.length >= KINESIS_MAX_RECORDS || bytes + size > KINESIS_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface KinesisDriverOptions {
  /** Backoff base for retrying failed records (ms); tests shorten it. */
  recordRetryBaseMs?: number;
}

export function createKinesisDriver(opts: KinesisDriverOptions = {}): SinkDriver<KinesisSinkConfig> {
  const retryBaseMs = opts.recordRetryBaseMs ?? 100;
  // One client per distinct config: keeps connections and assumed-role credentials warm between batches.
  const clients = createClientCache<KinesisClient>();

  function clientFor(config: KinesisSinkConfig): KinesisClient {
    return clients.get([config.streamArn, config.roleArn ?? null, config.externalId ?? null], () => {
      const region = parseStreamArn(config.streamArn).region;
      return new KinesisClient({
        region,
        // HTTP/1.1 with keep-alive: PutRecords needs nothing more, and local emulators (kinesalite,
        // AWS_ENDPOINT_URL_KINESIS) do not speak HTTP/2.
        requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }),
        credentials: config.roleArn
          ? assumeRoleCredentials(
              { roleArn: config.roleArn, externalId: config.externalId },
              region,
              classifyKinesisError,
            )
          : undefined,
        maxAttempts: 3,
      });
    });
  }

  async function putChunk(
    client: KinesisClient,
    stream: ReturnType<typeof parseStreamArn>,
    chunk: PutRecordsRequestEntry[],
    ctx: DeliveryContext,
  ): Promise<number> {
    let pending = chunk;
    let requests = 0;
    for (let attempt = 0; ; attempt++) {
      let response: PutRecordsCommandOutput;
      try {
        // Both names: the ARN reaches streams of other accounts, and emulators only know names.
        response = await client.send(
          new PutRecordsCommand({ StreamARN: stream.arn, StreamName: stream.name, Records: pending }),
          { abortSignal: ctx.signal },
        );
      } catch (err) {
        throw classifyKinesisError(err, `PutRecords to ${stream.arn}`);
      }
      requests++;
      const results = response.Records ?? [];
      const failed: PutRecordsRequestEntry[] = [];
      const codes = new Set<string>();
      pending.forEach((record, i) => {
        const code = results[i]?.ErrorCode;
        if (code) {
          failed.push(record);
          codes.add(code);
        }
      });
      if (failed.length === 0) return requests;
      const permanent = [...codes].filter((c) => !RETRYABLE_RECORD_ERRORS.has(c));
      if (permanent.length > 0) {
        throw new SinkDeliveryError(
          `PutRecords to ${stream.arn}: records rejected: ${permanent.join(', ')}`,
          'config',
        );
      }
      if (attempt >= KINESIS_RECORD_RETRIES) {
        throw new SinkDeliveryError(
          `PutRecords to ${stream.arn}: ${failed.length} records still failing after ${KINESIS_RECORD_RETRIES} retries (${[...codes].join(', ')})`,
          'retryable',
        );
      }
      // Only what failed goes again, in its original order.
      pending = failed;
      await sleep(retryBaseMs * 2 ** attempt * (0.5 + Math.random()), ctx.signal);
    }
  }

  return {
    type: 'kinesis',
    batchLimits: { maxEvents: KINESIS_MAX_RECORDS, maxBytes: KINESIS_MAX_BYTES },
    describe: (config) => `kinesis ${config.streamArn}`,
    warnings(config, env) {
      const { region } = parseStreamArn(config.streamArn);
      return region !== env.region
        ? [
            `the stream is in ${region} but this deployment runs in ${env.region} (AUDIT_REGION): delivery crosses regions`,
          ]
        : [];
    },
    async deliver(batch: DeliveryBatch, config, ctx) {
      const stream = parseStreamArn(config.streamArn);
      const client = clientFor(config);
      const records = batch.lines.map((line) => ({
        Data: Buffer.from(line, 'utf8'),
        PartitionKey: batch.tenantId,
      }));
      let requests = 0;
      // Sequential on purpose: with one partition key, parallel calls could reorder the stream.
      for (const chunk of chunkRecords(records)) requests += await putChunk(client, stream, chunk, ctx);
      return { delivered: records.length, requests };
    },
  };
}
