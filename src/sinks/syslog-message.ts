import { SYSLOG_FACILITIES } from '../domain/sink.js';
import type { DeliveredEvent } from './driver.js';

/**
 * RFC 5424 messages of audit events:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [audit@32473 id="…" tenant="…" workspace="…" action="…"] {wire JSON}
 *
 * PRI = facility * 8 + severity 5 (notice); TIMESTAMP is the event's occurredAt in UTC; MSGID is
 * "audit"; MSG is the event's wire JSON (the same line the other sinks send). The SD-ID uses
 * enterprise number 32473, the one RFC 5612 reserves for documentation and examples, since the
 * platform has no number of its own.
 */
export const SYSLOG_SD_ID = 'audit@32473';
export const SYSLOG_MSGID = 'audit';
const SEVERITY_NOTICE = 5;

export function facilityCode(name: (typeof SYSLOG_FACILITIES)[number] | undefined): number {
  const index = SYSLOG_FACILITIES.indexOf(name ?? 'local0');
  return index >= 0 ? index : 16;
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): '"', '\' and ']' are preceded by a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(/["\\\]]/g, '\\$&');
}

/** HOSTNAME is PRINTUSASCII 1-255; anything else becomes the nil value "-". */
export function syslogHostname(name: string): string {
  return /^[\x21-\x7e]{1,255}$/.test(name) ? name : '-';
}

export function formatSyslogMessage(
  event: DeliveredEvent,
  opts: { facility: number; appName: string; hostname: string; procId: string },
  /** The event's wire line (toWireLine). */
  line: string,
): string {
  const pri = opts.facility * 8 + SEVERITY_NOTICE;
  const timestamp = new Date(event.occurredAt).toISOString();
  const params: [string, string | null][] = [
    ['id', event.id],
    ['tenant', event.tenantId],
    ['workspace', event.workspaceId],
    ['action', event.action],
  ];
  const sd = `[${SYSLOG_SD_ID}${params
    .filter(([, v]) => v !== null)
    .map(([k, v]) => ` ${k}="${escapeSdValue(v as string)}"`)
    .join('')}]`;
  return `<${pri}>1 ${timestamp} ${opts.hostname} ${opts.appName} ${opts.procId} ${SYSLOG_MSGID} ${sd} ${line}`;
}

/** RFC 6587 §3.4.1 octet counting (also RFC 5425 for TLS): "<length in bytes> <message>". */
export function octetCountingFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
