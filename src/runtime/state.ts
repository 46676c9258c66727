import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Secrets that are generated on first start and kept in the data directory (mode 0600), unless the
 * environment provides them. Every process sharing a data directory therefore agrees on them.
 */
export async function ensureDataDir(dataDir: string): Promise<string> {
  const abs = resolve(dataDir);
  await mkdir(abs, { recursive: true, mode: 0o755 });
  return abs;
}

async function readOrCreate(
  path: string,
  generate: () => string,
): Promise<{ value: string; created: boolean }> {
  try {
    return { value: (await readFile(path, 'utf8')).trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const value = generate();
    // wx: never overwrite a secret another process wrote first.
    try {
      await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return { value, created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreate(path, generate);
      throw e;
    }
  }
}

export interface PlatformSecrets {
  adminToken: string;
  adminTokenSource: string;
  secretKey: string;
}

export async function resolveSecrets(
  dataDir: string,
  env: { adminToken?: string; secretKey?: string },
): Promise<PlatformSecrets> {
  const tokenPath = join(dataDir, 'admin-token');
  const admin = env.adminToken
    ? { value: env.adminToken, source: 'AUDIT_ADMIN_TOKEN' }
    : {
        value: (await readOrCreate(tokenPath, () => `pt_${randomBytes(32).toString('base64url')}`)).value,
        source: tokenPath,
      };
  const secretKey =
    env.secretKey ??
    (await readOrCreate(join(dataDir, 'secret-key'), () => randomBytes(32).toString('base64'))).value;
  return { adminToken: admin.value, adminTokenSource: admin.source, secretKey };
}
