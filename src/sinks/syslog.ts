import { createSocket } from 'node:dgram';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { rootCertificates, connect as tlsConnect } from 'node:tls';
import type { SyslogSinkConfig } from '../domain/sink.js';
import { type DeliveryContext, SinkDeliveryError, type SinkDriver } from './driver.js';
import { type SsrfGuard, SsrfRefusedError } from './ssrf-guard.js';
import { facilityCode, formatSyslogMessage, octetCountingFrame, syslogHostname } from './syslog-message.js';

const CONNECT_AND_SEND_TIMEOUT_MS = 10_000;
const DEFAULT_APP_NAME = 'audit-platform';

function refusal(err: unknown): SinkDeliveryError | null {
  return err instanceof SsrfRefusedError
    ? new SinkDeliveryError(err.message, 'config', { cause: err })
    : null;
}

/** Writes the frames over one TCP or TLS connection and ends it; resolves once everything is flushed. */
function sendStream(
  open: () => Socket,
  readyEvent: 'connect' | 'secureConnect',
  payload: Buffer,
  where: string,
  ctx: DeliveryContext,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = open();
    let settled = false;
    const done = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        const refused = refusal(err);
        if (refused) return reject(refused);
        const e = err as NodeJS.ErrnoException;
        return reject(
          new SinkDeliveryError(`syslog ${where}: ${e.code ?? e.name}: ${e.message}`, 'retryable', {
            cause: err,
          }),
        );
      }
      // The FIN is on its way; a receiver that never closes its side must not keep the socket alive.
      setTimeout(() => socket.destroy(), 5000).unref();
      resolve();
    };
    const timer = setTimeout(
      () => done(new Error(`no connection or no progress within ${CONNECT_AND_SEND_TIMEOUT_MS} ms`)),
      CONNECT_AND_SEND_TIMEOUT_MS,
    );
    const onAbort = () => done(ctx.signal.reason ?? new Error('aborted'));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', done);
    socket.once(readyEvent, () => {
      socket.end(payload, () => done());
    });
    // Whatever the receiver sends is ignored (syslog has no application-level acknowledgement).
    socket.on('data', () => {});
  });
}

/** Best effort: every datagram is sent once; a send error is logged, never retried. */
async function sendDatagrams(
  address: { address: string; family: number },
  port: number,
  messages: string[],
  ctx: DeliveryContext,
  where: string,
): Promise<number> {
  const socket = createSocket(address.family === 6 ? 'udp6' : 'udp4');
  let failed = 0;
  let firstError: string | undefined;
  try {
    for (const message of messages) {
      await new Promise<void>((resolve) => {
        socket.send(Buffer.from(message, 'utf8'), port, address.address, (err) => {
          if (err) {
            failed++;
            firstError ??= `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}`;
          }
          resolve();
        });
      });
    }
  } finally {
    socket.close();
  }
  if (failed > 0) {
    ctx.logger.warn(
      { where, failed, sent: messages.length - failed, error: firstError },
      'syslog over udp: some datagrams could not be sent (best effort, not retried)',
    );
  }
  return messages.length;
}

export function createSyslogDriver(opts: { guard: SsrfGuard }): SinkDriver<SyslogSinkConfig> {
  const { guard } = opts;
  const hostname = syslogHostname(osHostname());
  const procId = String(process.pid);

  return {
    type: 'syslog',
    batchLimits: { maxEvents: 500, maxBytes: 5 * 1024 * 1024 },
    describe: (config) => `syslog ${config.protocol}://${config.host}:${config.port}`,
    warnings: (config) =>
      config.protocol === 'udp'
        ? ['syslog over udp is best effort: a lost datagram is not noticed and not sent again']
        : [],
    checkConfig(config) {
      const reason = guard.literalRefusal(config.host.replace(/^\[|\]$/g, ''));
      return reason
        ? [
            {
              pointer: '/host',
              detail: `${config.host} is a ${reason} address; sinks may not reach it (AUDIT_ALLOW_PRIVATE_SINK_HOSTS)`,
            },
          ]
        : [];
    },

    async deliver(batch, config, ctx) {
      const host = config.host.replace(/^\[|\]$/g, '');
      const where = `${config.protocol}://${config.host}:${config.port}`;
      const format = {
        facility: facilityCode(config.facility),
        appName: config.appName ?? DEFAULT_APP_NAME,
        hostname,
        procId,
      };
      const messages = batch.events.map((event, i) => formatSyslogMessage(event, format, batch.lines[i]!));

      if (config.protocol === 'udp') {
        let address: { address: string; family: number };
        try {
          address = await guard.resolve(host);
        } catch (err) {
          const refused = refusal(err);
          if (refused) throw refused;
          const e = err as NodeJS.ErrnoException;
          throw new SinkDeliveryError(`syslog ${where}: ${e.code ?? e.name}: ${e.message}`, 'retryable');
        }
        const sent = await sendDatagrams(address, config.port, messages, ctx, where);
        // Recorded as sent: UDP has no acknowledgement, so there is nothing to retry on.
        return { delivered: sent, requests: messages.length };
      }

      try {
        guard.assertLiteralAllowed(host);
      } catch (err) {
        throw refusal(err) ?? err;
      }
      const payload = Buffer.concat(messages.map(octetCountingFrame));
      if (config.protocol === 'tcp') {
        await sendStream(
          () => netConnect({ host, port: config.port, lookup: guard.lookup }),
          'connect',
          payload,
          where,
          ctx,
        );
      } else {
        await sendStream(
          () =>
            tlsConnect({
              host,
              port: config.port,
              // SNI and certificate verification against the configured name (not an address).
              servername: isIP(host) === 0 ? host : undefined,
              ca: config.caCert ? [...rootCertificates, config.caCert] : undefined,
              lookup: guard.lookup,
            }),
          'secureConnect',
          payload,
          where,
          ctx,
        );
      }
      return { delivered: batch.events.length, requests: 1 };
    },
  };
}
