import { z } from 'zod';
import { createKeyring } from './crypto/secrets.js';

/**
 * The one place that reads process.env. Everything else receives a Config.
 * Secrets that may be generated on first start (admin token, secret key) are
 * resolved later by runtime/state.ts, because that needs the data directory.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

// Checked here, before anything starts, so a typo costs one line rather than a PostgreSQL boot and a stack.
const databaseUrl = optionalString.refine(
  (v) => v === undefined || /^(postgres|postgresql|socket):\/\/./.test(v) || v.startsWith('/'),
  'expected a PostgreSQL connection URL, postgres://user:password@host:5432/database',
);

const secretKey = optionalString.superRefine((v, ctx) => {
  if (v === undefined) return;
  try {
    createKeyring(v);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected base64 of 32 random bytes (`openssl rand -base64 32`), or several such keys comma-separated, newest first',
    });
  }
});

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const EnvSchema = z.object({
  PORT: port(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: databaseUrl,
  DATABASE_MIGRATION_URL: optionalString,
  AUDIT_DB_RUNTIME_ROLE: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // How long a request waits for a pool connection before it answers 503 (0: forever).
  DATABASE_POOL_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_TASK_QUEUE: z.string().default('audit-platform'),
  AUDIT_TEMPORAL_ID_PREFIX: z.string().default(''),
  AUDIT_TEMPORAL_CLI: optionalString,
  AUDIT_WORKFLOW_BUNDLE: optionalString,
  AUDIT_TEMPORAL_PORT: port(7233),
  AUDIT_TEMPORAL_UI_PORT: port(8233),
  AUDIT_TEMPORAL_UI_URL: optionalString.pipe(z.url().optional()),
  AUDIT_DATA_DIR: z.string().default('./.data'),
  AUDIT_ADMIN_TOKEN: optionalString,
  AUDIT_SECRET_KEY: secretKey,
  AUDIT_JWT_SECRET: optionalString,
  AUDIT_JWT_JWKS_URL: optionalString.pipe(z.url().optional()),
  AUDIT_JWT_ISSUER: optionalString,
  AUDIT_JWT_AUDIENCE: optionalString,
  AUDIT_REGION: optionalString,
  AWS_REGION: optionalString,
  AUDIT_ALLOW_PRIVATE_SINK_HOSTS: booleanFlag,
  AWS_ENDPOINT_URL_S3: optionalString,
  AUDIT_LOG_EVENTS: booleanFlag,
  AUDIT_ACTION_MAX_SEGMENTS: z.coerce.number().int().min(1).max(10).default(2),
  AUDIT_PROMOTION_MIN_COUNT: z.coerce.number().int().min(1).default(100),
  AUDIT_PROMOTION_MIN_AGE_HOURS: z.coerce
    .number()
    .min(0)
    .default(7 * 24),
  AUDIT_PROMOTION_INTERVAL_MINUTES: z.coerce.number().min(1).default(60),
  // On unless set to false: a worker that should not fold the log (benchmarks, a dedicated delivery tier).
  AUDIT_ROLLUP_ENABLED: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => v !== 'false' && v !== '0' && v !== 'no'),
  AUDIT_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(0),
  // Failed authentications per client address and window before that address gets 429 (0: off).
  AUDIT_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(0).default(20),
  AUDIT_AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().min(1).default(10),
  AUDIT_METRICS_PUBLIC: booleanFlag,
  AUDIT_METRICS_SNAPSHOT_INTERVAL_SECONDS: z.coerce.number().min(1).default(60),
  AUDIT_METRICS_SNAPSHOT_RETENTION_DAYS: z.coerce.number().min(1).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface TemporalTlsConfig {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

export interface Config {
  http: { port: number; host: string };
  database: {
    /** The runtime connection (API and worker). */
    url?: string;
    /** The owner's connection, used only to migrate and grant (docs/OPERATIONS.md, "Database roles"). */
    migrationUrl?: string;
    /** Who gets the runtime privileges; defaults to the role of `url` when migrationUrl is set. */
    runtimeRole?: string;
    poolSize: number;
    /** How long a request waits for a pool connection before answering 503. */
    poolTimeoutMs: number;
  };
  temporal: {
    address?: string;
    namespace: string;
    apiKey?: string;
    tls?: TemporalTlsConfig;
    taskQueue: string;
    /** Prepended to every workflow and schedule id; lets several deployments (or tests) share a namespace. */
    idPrefix: string;
    cliPath?: string;
    /** A bundle from bundleWorkflowCode (dist/workflow-bundle.js); without it the worker bundles at start. */
    workflowBundlePath?: string;
    devServerPort: number;
    devServerUiPort: number;
  };
  dataDir: string;
  adminToken?: string;
  secretKey?: string;
  jwt: { secret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  region: string;
  allowPrivateSinkHosts: boolean;
  /** AWS_ENDPOINT_URL_S3: an S3-compatible endpoint (local emulators); path-style addressing then. */
  s3EndpointUrl?: string;
  logEvents: boolean;
  logLevel: string;
  actions: {
    maxSegments: number;
    promotionMinCount: number;
    promotionMinAgeMs: number;
    /** How often the audit-inventory-promotion schedule runs. */
    promotionIntervalMs: number;
    /** Whether this worker runs the log rollup that feeds the inventory (AUDIT_ROLLUP_ENABLED). */
    rollupEnabled: boolean;
  };
  rateLimitPerSecond: number;
  /** Failed authentications one client address may make per window before it gets 429. */
  authFailureLimit: { max: number; windowMs: number };
  /** AUDIT_TEMPORAL_UI_URL: where the console links a sink's delivery workflow (unset: no links). */
  temporalUiUrl?: string;
  metrics: {
    /** AUDIT_METRICS_PUBLIC: GET /metrics without the platform token (a scraper on a private network). */
    public: boolean;
    /** How often the audit-metrics-snapshot schedule runs. */
    snapshotIntervalMs: number;
    snapshotRetentionMs: number;
  };
}

export class ConfigError extends Error {}

/** Every environment variable the platform reads (the deployment files are checked against it). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const tlsParts = {
    certPath: e.TEMPORAL_TLS_CERT_PATH,
    keyPath: e.TEMPORAL_TLS_KEY_PATH,
    caPath: e.TEMPORAL_TLS_CA_PATH,
    serverName: e.TEMPORAL_TLS_SERVER_NAME,
  };
  if (Boolean(tlsParts.certPath) !== Boolean(tlsParts.keyPath)) {
    throw new ConfigError('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together');
  }
  const hasTls = Object.values(tlsParts).some((v) => v !== undefined);
  return {
    http: { port: e.PORT, host: e.HOST },
    database: {
      url: e.DATABASE_URL,
      migrationUrl: e.DATABASE_MIGRATION_URL,
      runtimeRole: e.AUDIT_DB_RUNTIME_ROLE,
      poolSize: e.DATABASE_POOL_SIZE,
      poolTimeoutMs: e.DATABASE_POOL_TIMEOUT_MS,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: hasTls ? tlsParts : undefined,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      idPrefix: e.AUDIT_TEMPORAL_ID_PREFIX,
      cliPath: e.AUDIT_TEMPORAL_CLI,
      workflowBundlePath: e.AUDIT_WORKFLOW_BUNDLE,
      devServerPort: e.AUDIT_TEMPORAL_PORT,
      devServerUiPort: e.AUDIT_TEMPORAL_UI_PORT,
    },
    dataDir: e.AUDIT_DATA_DIR,
    adminToken: e.AUDIT_ADMIN_TOKEN,
    secretKey: e.AUDIT_SECRET_KEY,
    jwt: {
      secret: e.AUDIT_JWT_SECRET,
      jwksUrl: e.AUDIT_JWT_JWKS_URL,
      issuer: e.AUDIT_JWT_ISSUER,
      audience: e.AUDIT_JWT_AUDIENCE,
    },
    region: e.AUDIT_REGION ?? e.AWS_REGION ?? 'eu-west-1',
    allowPrivateSinkHosts: e.AUDIT_ALLOW_PRIVATE_SINK_HOSTS,
    s3EndpointUrl: e.AWS_ENDPOINT_URL_S3,
    logEvents: e.AUDIT_LOG_EVENTS,
    logLevel: e.LOG_LEVEL,
    actions: {
      maxSegments: e.AUDIT_ACTION_MAX_SEGMENTS,
      promotionMinCount: e.AUDIT_PROMOTION_MIN_COUNT,
      promotionMinAgeMs: e.AUDIT_PROMOTION_MIN_AGE_HOURS * 3_600_000,
      promotionIntervalMs: e.AUDIT_PROMOTION_INTERVAL_MINUTES * 60_000,
      rollupEnabled: e.AUDIT_ROLLUP_ENABLED,
    },
    rateLimitPerSecond: e.AUDIT_RATE_LIMIT_PER_SECOND,
    authFailureLimit: {
      max: e.AUDIT_AUTH_FAILURE_LIMIT,
      windowMs: e.AUDIT_AUTH_FAILURE_WINDOW_SECONDS * 1000,
    },
    temporalUiUrl: e.AUDIT_TEMPORAL_UI_URL,
    metrics: {
      public: e.AUDIT_METRICS_PUBLIC,
      snapshotIntervalMs: e.AUDIT_METRICS_SNAPSHOT_INTERVAL_SECONDS * 1000,
      snapshotRetentionMs: e.AUDIT_METRICS_SNAPSHOT_RETENTION_DAYS * 86_400_000,
    },
  };
}
