import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3SinkConfig } from '../domain/sink.js';
import { assumeRoleCredentials } from './aws-assume-role.js';
import { createClientCache } from './client-cache.js';
import { type DeliveryBatch, SinkDeliveryError, type SinkDriver } from './driver.js';

const gzipAsync = promisify(gzip);

/** Errors that retrying cannot fix until the customer changes the bucket, its policy or the config. */
const CONFIG_ERRORS = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidBucketName',
  'SignatureDoesNotMatch',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
  'InvalidObjectState',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'KMS.KMSInvalidStateException',
  'InvalidClientTokenId',
  'RegionDisabledException',
  'MalformedPolicyDocument',
]);

export function classifyS3Error(err: unknown, what: string): SinkDeliveryError {
  if (err instanceof SinkDeliveryError) return err;
  const name = (err as { name?: string; Code?: string }).Code ?? (err as { name?: string }).name ?? 'Error';
  const message = `${what}: ${name}: ${(err as Error).message ?? String(err)}`;
  return new SinkDeliveryError(message, CONFIG_ERRORS.has(name) ? 'config' : 'retryable', { cause: err });
}

/**
 * The object key of a batch:
 *
 *   <prefix>tenant=<tenantId>/workspace=<workspaceId>/date=<YYYY-MM-DD>/hour=<HH>/<batchId>.<lastTxid>-<lastSeq>.jsonl.gz
 *
 * Everything in it is a function of the batch's log range: the batch id names the sink and the position
 * the batch starts after, the suffix the position of its last event, and the date and hour are the
 * first event's occurredAt (UTC). A retried batch re-reads the same range, so it writes the same key
 * and overwrites its earlier attempt instead of adding a duplicate object.
 */
export function s3ObjectKey(batch: DeliveryBatch, prefix = ''): string {
  const at = new Date(batch.events[0]?.occurredAt ?? 0).toISOString();
  const date = at.slice(0, 10);
  const hour = at.slice(11, 13);
  return (
    `${prefix}tenant=${batch.tenantId}/workspace=${batch.workspaceId}/date=${date}/hour=${hour}/` +
    `${batch.batchId}.${batch.last.txid}-${batch.last.seq}.jsonl.gz`
  );
}

export function createS3Driver(opts: { endpointUrl?: string } = {}): SinkDriver<S3SinkConfig> {
  const clients = createClientCache<S3Client>();

  function clientFor(config: S3SinkConfig): S3Client {
    return clients.get([config.region, config.roleArn ?? null, config.externalId ?? null], () => {
      return new S3Client({
        region: config.region,
        // An overridden endpoint (AWS_ENDPOINT_URL_S3: MinIO, s3rver, LocalStack) rarely resolves
        // virtual-hosted bucket names, and speaks HTTP/1.1.
        // Nor do they all know the SDK's default flexible checksums; PutObject does not require one.
        ...(opts.endpointUrl
          ? {
              endpoint: opts.endpointUrl,
              forcePathStyle: true,
              requestChecksumCalculation: 'WHEN_REQUIRED' as const,
            }
          : {}),
        requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60_000 }),
        credentials: config.roleArn
          ? assumeRoleCredentials(
              { roleArn: config.roleArn, externalId: config.externalId },
              config.region,
              classifyS3Error,
            )
          : undefined,
        maxAttempts: 3,
      });
    });
  }

  return {
    type: 's3',
    // One object a batch: bigger objects mean fewer PUTs and fewer small files for Athena and friends.
    batchLimits: { maxEvents: 5000, maxBytes: 16 * 1024 * 1024 },
    describe: (config) => `s3 s3://${config.bucket}/${config.prefix ?? ''}`,
    warnings(config, env) {
      return config.region !== env.region
        ? [
            `the bucket is in ${config.region} but this deployment runs in ${env.region} (AUDIT_REGION): delivery crosses regions`,
          ]
        : [];
    },
    async deliver(batch, config, ctx) {
      const lines = `${batch.lines.join('\n')}\n`;
      const body = await gzipAsync(Buffer.from(lines, 'utf8'));
      const key = s3ObjectKey(batch, config.prefix);
      try {
        await clientFor(config).send(
          new PutObjectCommand({
            Bucket: config.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/gzip',
            Metadata: {
              'event-count': String(batch.events.length),
              'first-event-id': batch.events[0]?.id ?? '',
              'last-event-id': batch.events.at(-1)?.id ?? '',
            },
          }),
          { abortSignal: ctx.signal },
        );
      } catch (err) {
        throw classifyS3Error(err, `PutObject s3://${config.bucket}/${key}`);
      }
      return { delivered: batch.events.length, requests: 1 };
    },
  };
}
