import type pg from 'pg';

/**
 * `COPY … FROM STDIN` with the bare `pg` client and no extra package: a submittable query that answers
 * the server's CopyInResponse with the prepared text-format data in chunks, then CopyDone.
 * (pg drives any object with submit/handle* methods; this is the protocol pg-copy-streams speaks.)
 */
class CopyFromText {
  rowCount = 0;
  private readonly done: Promise<number>;
  private resolve!: (n: number) => void;
  private reject!: (err: unknown) => void;
  private error: unknown;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: any) {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: any) {
    const chunk = 256 * 1024;
    for (let at = 0; at < this.data.length; at += chunk)
      connection.sendCopyFromChunk(this.data.subarray(at, at + chunk));
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text: string }) {
    this.rowCount = Number(/(\d+)$/.exec(msg.text)?.[1] ?? 0);
  }

  handleError(err: unknown) {
    this.error = err;
  }

  handleReadyForQuery() {
    if (this.error) this.reject(this.error);
    else this.resolve(this.rowCount);
  }

  // Rows and notices a COPY never produces, but pg may call these on any active query.
  handleRowDescription() {}
  handleDataRow() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}

  result() {
    return this.done;
  }
}

/** Runs `copy <table> (<columns>) from stdin` with text-format `data`; answers the rows copied. */
export async function copyFrom(client: pg.ClientBase, table: string, columns: string, data: Buffer) {
  const copy = new CopyFromText(`copy ${table} (${columns}) from stdin`, data);
  client.query(copy as never);
  return copy.result();
}

/** One value in COPY text format: \N for null, backslash escapes for the separators. */
export function copyValue(value: string | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}
