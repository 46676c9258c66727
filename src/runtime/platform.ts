import { createServer } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createAuthenticator } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { createConsoleAssets } from '../console/assets.js';
import { createPool, type Pool } from '../db/pool.js';
import { setStoredEventsListener } from '../events/store.js';
import { createApp } from '../http/app.js';
import { createHealthApp } from '../http/health-app.js';
import type { Logger } from '../logger.js';
import { createApiMetrics } from '../metrics/api-metrics.js';
import { createDeliveryMetrics } from '../metrics/delivery-metrics.js';
import { createPrometheusRegistry } from '../metrics/prometheus-registry.js';
import { registerStateGauges } from '../metrics/state-gauges.js';
import { startLogRollup } from '../rollup/log-rollup.js';
import { ensureSinkWorkflows } from '../sinks/reconcile.js';
import { createSinkRuntime } from '../sinks/sink-runtime.js';
import { findOrBuildTemporalCli } from '../temporal/cli.js';
import { connectClient, connectWorker, temporalHealthCheck } from '../temporal/connection.js';
import { type DevServer, startTemporalDevServer, stopLeftoverDevServer } from '../temporal/dev-server.js';
import { ensureInventoryPromotionSchedule } from '../temporal/inventory-promotion-schedule.js';
import { ensureMetricsSnapshotSchedule } from '../temporal/metrics-snapshot-schedule.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { installTemporalRuntimeLogger } from '../temporal/runtime-logger.js';
import { createWorker } from '../temporal/worker.js';
import { prepareDatabase } from './database.js';
import {
  type EmbeddedDatabase,
  ensureEmbeddedRuntimeRole,
  freePort,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
import { claimDataDir } from './leftovers.js';
import { ensureDataDir, resolveSecrets } from './state.js';

export interface PlatformOptions {
  api: boolean;
  worker: boolean;
  /** Start embedded PostgreSQL / a Temporal dev server when DATABASE_URL / TEMPORAL_ADDRESS are unset. */
  embedded: boolean;
  workflowBundlePath?: string;
}

export interface RunningPlatform {
  apiUrl: string | null;
  /** Where /healthz and /readyz answer (the API, or a worker-only process's health port). */
  healthUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  adminTokenSource: string;
  databaseEmbedded: boolean;
  stop(): Promise<void>;
}

async function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  at: Config['http'],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: at.port, hostname: at.host }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  return {
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Boots whatever this process runs (API, worker or both) and the embedded dependencies it may need.
 * Everything started here is stopped by the returned stop(), in reverse order.
 */
export async function startPlatform(
  config: Config,
  logger: Logger,
  opts: PlatformOptions,
): Promise<RunningPlatform> {
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
    }
  };
  try {
    const dataDir = await ensureDataDir(config.dataDir);
    const secrets = await resolveSecrets(dataDir, {
      adminToken: config.adminToken,
      secretKey: config.secretKey,
    });

    if (opts.embedded && (!config.database.url || !config.temporal.address)) {
      const claim = await claimDataDir(dataDir);
      stops.push(() => claim.release());
    }

    let databaseUrl = config.database.url;
    let migrationUrl = config.database.migrationUrl;
    let embeddedDb: EmbeddedDatabase | undefined;
    if (!databaseUrl) {
      if (!opts.embedded) throw new Error('DATABASE_URL is required for this entry point');
      embeddedDb = await startEmbeddedPostgres(
        join(dataDir, 'postgres'),
        'audit',
        (line) => logger.debug({ component: 'postgres' }, line),
        (message) => logger.warn({ component: 'postgres' }, message),
      );
      stops.push(() => embeddedDb!.stop());
      // The superuser migrates; the API and the worker connect as a login that owns nothing.
      migrationUrl = embeddedDb.url;
      databaseUrl = await ensureEmbeddedRuntimeRole(join(dataDir, 'postgres'), embeddedDb.url);
    }
    const pool: Pool = createPool(databaseUrl, config.database.poolSize, config.database.poolTimeoutMs);
    stops.push(() => pool.end());
    await prepareDatabase({ pool, migrationUrl, runtimeRole: config.database.runtimeRole, logger });

    let temporalAddress = config.temporal.address;
    let devServer: DevServer | undefined;
    if (!temporalAddress) {
      if (!opts.embedded) throw new Error('TEMPORAL_ADDRESS is required for this entry point');
      const cliPath = await findOrBuildTemporalCli({
        configuredPath: config.temporal.cliPath,
        log: (m) => logger.info(m),
      });
      const dbFilename = join(dataDir, 'temporal.sqlite');
      const leftover = await stopLeftoverDevServer(join(dataDir, 'temporal.pid'), dbFilename);
      if (leftover !== undefined)
        logger.warn({ pid: leftover }, 'stopped a Temporal dev server left running by an earlier run');
      const port = (await portIsFree(config.temporal.devServerPort))
        ? config.temporal.devServerPort
        : await freePort();
      const uiPort = (await portIsFree(config.temporal.devServerUiPort))
        ? config.temporal.devServerUiPort
        : await freePort();
      devServer = await startTemporalDevServer({
        cliPath,
        port,
        uiPort,
        namespace: config.temporal.namespace,
        dbFilename,
        pidFile: join(dataDir, 'temporal.pid'),
        ui: true,
        log: (line) => logger.debug({ component: 'temporal' }, line),
      });
      stops.push(() => devServer!.stop());
      temporalAddress = devServer.address;
    }
    const temporalConfig = { ...config.temporal, address: temporalAddress };
    const client: Client = await connectClient(temporalConfig);
    stops.push(() => client.connection.close());
    const sinks = createSinkRuntime({
      pool,
      logger,
      client,
      secretKey: secrets.secretKey,
      region: config.region,
      taskQueue: config.temporal.taskQueue,
      idPrefix: config.temporal.idPrefix,
      drivers: { allowPrivateSinkHosts: config.allowPrivateSinkHosts, s3EndpointUrl: config.s3EndpointUrl },
    });

    // This process's Prometheus registry, served on its /metrics (API port, or a worker's health port).
    const registry = createPrometheusRegistry();
    const authenticate = createAuthenticator({ db: pool, adminToken: secrets.adminToken, jwt: config.jwt });

    if (opts.worker) {
      registerStateGauges(registry, pool);
      installTemporalRuntimeLogger(logger);
      await registerSearchAttributes(client, config.temporal.namespace, logger);
      const connection: NativeConnection = await connectWorker(temporalConfig);
      stops.push(() => connection.close());
      const worker: Worker = await createWorker({
        connection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        activities: createActivities({
          pool,
          logger,
          actions: config.actions,
          secretKey: secrets.secretKey,
          region: config.region,
          sinkDrivers: sinks.drivers,
          deliveryMetrics: createDeliveryMetrics(registry),
          snapshotRetentionMs: config.metrics.snapshotRetentionMs,
        }),
        workflowBundlePath: opts.workflowBundlePath,
      });
      const running = worker
        .run()
        .catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
      stops.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      logger.info({ taskQueue: config.temporal.taskQueue }, 'worker polling');
      void ensureSinkWorkflows({ pool, control: sinks.workflows, logger }).catch((err: unknown) =>
        logger.warn({ err }, 'sink workflow reconciliation failed'),
      );
      if (config.actions.rollupEnabled) {
        const rollup = startLogRollup({ pool, logger });
        stops.push(() => rollup.stop());
      }
      await ensureInventoryPromotionSchedule(client, {
        idPrefix: config.temporal.idPrefix,
        taskQueue: config.temporal.taskQueue,
        intervalMs: config.actions.promotionIntervalMs,
      });
      await ensureMetricsSnapshotSchedule(client, {
        idPrefix: config.temporal.idPrefix,
        taskQueue: config.temporal.taskQueue,
        intervalMs: config.metrics.snapshotIntervalMs,
      });
    }

    // The API process serves the API; a worker-only process serves its health endpoints on the same port.
    let app: { fetch: (request: Request) => Response | Promise<Response> };
    const checkTemporal = temporalHealthCheck(client, config.temporal.namespace);
    if (opts.api) {
      const waker = sinks.createWaker();
      stops.push(async () => waker.stop());
      // The platform's own events (a sink changed, a key revoked…) wake the workspace's sinks too.
      setStoredEventsListener(pool, (events) => waker.eventsStored(events));
      app = createApp({
        pool,
        logger,
        authenticate,
        actionMaxSegments: config.actions.maxSegments,
        logEvents: config.logEvents,
        rateLimitPerSecond: config.rateLimitPerSecond,
        authFailureLimit: config.authFailureLimit,
        checkTemporal,
        onEventsStored: (events) => {
          if (config.logEvents) for (const event of events) logger.info({ event }, 'audit event');
          waker.eventsStored(events);
        },
        sinks: { ...sinks, waker },
        prometheus: { registry, public: config.metrics.public, api: createApiMetrics(registry) },
        console: {
          assets: createConsoleAssets(),
          settings: {
            region: config.region,
            temporalUiUrl: config.temporalUiUrl ?? devServer?.uiUrl ?? null,
            jwtEnabled: Boolean(config.jwt.secret || config.jwt.jwksUrl),
          },
        },
      });
    } else {
      app = createHealthApp({
        pool,
        logger,
        checkTemporal,
        prometheus: { registry, public: config.metrics.public, authenticate },
      });
    }
    const http = await listen(app, config.http);
    stops.push(http.close);
    const httpUrl = http.url;

    return {
      apiUrl: opts.api ? httpUrl : null,
      healthUrl: httpUrl,
      temporalAddress,
      temporalUiUrl: devServer?.uiUrl ?? null,
      adminTokenSource: secrets.adminTokenSource,
      databaseEmbedded: embeddedDb !== undefined,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
