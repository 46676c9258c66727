/**
 * Where the outbox lives in the producer's database. Names come from the producer's configuration, so
 * they are validated and quoted before they reach any SQL text (identifiers cannot be bind parameters).
 */
export interface OutboxTableOptions {
  /** Default `public`. */
  schema?: string | undefined;
  /** Default `audit_outbox`. */
  table?: string | undefined;
  /** Default `<table>_dead_letter`. */
  deadLetterTable?: string | undefined;
}

export interface OutboxTables {
  schema: string;
  /** Quoted, schema-qualified names, safe to splice into SQL. */
  outbox: string;
  deadLetter: string;
  /** Unquoted `schema.table`, for logs and advisory-lock keys. */
  label: string;
}

// Lowercase only: PostgreSQL folds unquoted names to lowercase, so these names also work unquoted in psql.
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export class OutboxConfigError extends Error {
  override name = 'OutboxConfigError';
}

function identifier(value: string, what: string): string {
  if (!IDENTIFIER.test(value)) {
    throw new OutboxConfigError(
      `${what} ${JSON.stringify(value)} must be 1-63 characters of [a-z0-9_], not starting with a digit`,
    );
  }
  return `"${value}"`;
}

export function outboxTables(options: OutboxTableOptions = {}): OutboxTables {
  const schema = options.schema ?? 'public';
  const table = options.table ?? 'audit_outbox';
  const deadLetter = options.deadLetterTable ?? `${table}_dead_letter`;
  if (deadLetter === table) throw new OutboxConfigError('the dead-letter table must differ from the outbox');
  const s = identifier(schema, 'schema');
  return {
    schema: s,
    outbox: `${s}.${identifier(table, 'table')}`,
    deadLetter: `${s}.${identifier(deadLetter, 'dead-letter table')}`,
    label: `${schema}.${table}`,
  };
}
