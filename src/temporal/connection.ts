import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

type TemporalConfig = Config['temporal'];

async function tlsOptions(cfg: TemporalConfig) {
  if (!cfg.tls && !cfg.apiKey) return undefined;
  if (!cfg.tls) return true; // API keys (Temporal Cloud) need TLS with the system roots.
  const read = async (path: string | undefined, what: string) => {
    if (!path) return undefined;
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`cannot read ${what} at ${path}: ${(err as Error).message}`);
    }
  };
  const crt = await read(cfg.tls.certPath, 'TEMPORAL_TLS_CERT_PATH');
  const key = await read(cfg.tls.keyPath, 'TEMPORAL_TLS_KEY_PATH');
  return {
    serverNameOverride: cfg.tls.serverName,
    serverRootCACertificate: await read(cfg.tls.caPath, 'TEMPORAL_TLS_CA_PATH'),
    clientCertPair: crt && key ? { crt, key } : undefined,
  };
}

export async function connectClient(cfg: TemporalConfig & { address: string }): Promise<Client> {
  const connection = await Connection.connect({
    address: cfg.address,
    tls: await tlsOptions(cfg),
    apiKey: cfg.apiKey,
    connectTimeout: 10_000,
  });
  return new Client({ connection, namespace: cfg.namespace });
}

export async function connectWorker(cfg: TemporalConfig & { address: string }): Promise<NativeConnection> {
  return NativeConnection.connect({ address: cfg.address, tls: await tlsOptions(cfg), apiKey: cfg.apiKey });
}

/** For /readyz: a cheap round trip to the frontend. */
export function temporalHealthCheck(client: Client, namespace: string): () => Promise<void> {
  return async () => {
    await client.connection.workflowService.describeNamespace({ namespace });
  };
}
