import type { Role } from '../domain/caller.js';
import type { Queryable } from './pool.js';

export interface ApiKeyRecord {
  id: string;
  tenantId: string | null;
  role: Role;
  workspaceIds: string[] | null;
  name: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  tenant_id: string | null;
  role: Role;
  workspace_ids: string[] | null;
  name: string | null;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
}

const COLUMNS = 'id, tenant_id, role, workspace_ids, name, created_at, created_by, revoked_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    role: row.role,
    workspaceIds: row.workspace_ids,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export async function insertApiKey(
  db: Queryable,
  key: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt'> & { keyHash: Buffer },
): Promise<ApiKeyRecord> {
  const { rows } = await db.query<ApiKeyRow>(
    `insert into audit_api_keys (id, tenant_id, role, workspace_ids, name, key_hash, created_by)
     values ($1::text, $2::text, $3::text, $4::text[], $5::text, $6::bytea, $7::text)
     returning ${COLUMNS}`,
    [key.id, key.tenantId, key.role, key.workspaceIds, key.name, key.keyHash, key.createdBy],
  );
  return toRecord(rows[0]!);
}

export async function findActiveApiKeyByHash(db: Queryable, keyHash: Buffer): Promise<ApiKeyRecord | null> {
  const { rows } = await db.query<ApiKeyRow>(
    `select ${COLUMNS} from audit_api_keys where key_hash = $1::bytea and revoked_at is null`,
    [keyHash],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** tenantId null lists every key (platform operator); otherwise only that tenant's. */
export async function listApiKeys(db: Queryable, tenantId: string | null): Promise<ApiKeyRecord[]> {
  const { rows } = await db.query<ApiKeyRow>(
    `select ${COLUMNS} from audit_api_keys
     where ($1::text is null or tenant_id = $1::text)
     order by created_at desc, id desc`,
    [tenantId],
  );
  return rows.map(toRecord);
}

export async function findApiKey(
  db: Queryable,
  id: string,
  tenantId: string | null,
): Promise<ApiKeyRecord | null> {
  const { rows } = await db.query<ApiKeyRow>(
    `select ${COLUMNS} from audit_api_keys where id = $1::text and ($2::text is null or tenant_id = $2::text)`,
    [id, tenantId],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function revokeApiKey(db: Queryable, id: string): Promise<void> {
  await db.query('update audit_api_keys set revoked_at = now() where id = $1::text and revoked_at is null', [
    id,
  ]);
}
