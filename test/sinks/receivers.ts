import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingHttpHeaders,
} from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { promisify } from 'node:util';

/**
 * Real local receivers for the sink tests: an HTTP endpoint that verifies signatures the way the README
 * tells customers to, syslog listeners over UDP, TCP and TLS that parse RFC 6587 octet counting, a
 * self-signed certificate made with openssl, and a proxy in front of s3rver that can fail PUTs.
 */

// ---------------------------------------------------------------- HTTP

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** Whether a signature matched `receiverSecret`; null when the receiver has no secret. */
  signatureValid: boolean | null;
}

export interface HttpReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** The secret this receiver knows (its side of the shared secret). */
  receiverSecret: string | null;
  /** Decides the answer of each request; default: 401 on a bad signature, else 200. */
  respond: (req: ReceivedRequest, index: number) => { status: number; headers?: Record<string, string> };
  /** The events of every request answered 2xx, in arrival order. */
  acceptedEvents(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The verification snippet of the README, verbatim in spirit: a receiver needs nothing more. */
export function verifyAuditSignature(
  secret: string,
  headers: IncomingHttpHeaders,
  rawBody: string,
  toleranceSeconds = 300,
): boolean {
  const header = String(headers['x-audit-signature'] ?? '');
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts
    .filter(([k]) => k === 'v1')
    .some(([, v]) => {
      const got = Buffer.from(v ?? '', 'hex');
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
}

export async function startHttpReceiver(receiverSecret: string | null = null): Promise<HttpReceiver> {
  const receiver: HttpReceiver = {
    url: '',
    port: 0,
    requests: [],
    receiverSecret,
    respond: (req) => ({ status: req.signatureValid === false ? 401 : 200 }),
    acceptedEvents: () => [],
    close: async () => {},
  };
  const accepted: Array<Record<string, unknown>> = [];
  receiver.acceptedEvents = () => accepted;
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = receiver.receiverSecret;
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        at: Date.now(),
        signatureValid: secret === null ? null : verifyAuditSignature(secret, req.headers, body),
      };
      const index = receiver.requests.push(received) - 1;
      const answer = receiver.respond(received, index);
      if (answer.status >= 200 && answer.status < 300) {
        for (const line of body.split('\n')) if (line) accepted.push(JSON.parse(line));
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.status >= 400 ? `rejected with ${answer.status}` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

// ---------------------------------------------------------------- syslog

export interface SyslogMessage {
  raw: string;
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  /** SD-ID → params (unescaped). */
  sd: Record<string, Record<string, string>>;
  msg: string;
}

/** A strict-enough RFC 5424 parser: header fields, structured data with escapes, the message. */
export function parseRfc5424(raw: string): SyslogMessage {
  const header = /^<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(raw);
  if (!header) throw new Error(`not RFC 5424: ${raw.slice(0, 100)}`);
  let i = header[0].length;
  const sd: SyslogMessage['sd'] = {};
  if (raw[i] === '-') i++;
  else {
    while (raw[i] === '[') {
      i++;
      const idEnd = raw.slice(i).search(/[ \]]/);
      const id = raw.slice(i, i + idEnd);
      i += idEnd;
      const params: Record<string, string> = {};
      while (raw[i] === ' ') {
        i++;
        const eq = raw.indexOf('=', i);
        const name = raw.slice(i, eq);
        i = eq + 1;
        if (raw[i] !== '"') throw new Error('PARAM-VALUE must be quoted');
        i++;
        let value = '';
        while (raw[i] !== '"') {
          if (raw[i] === '\\' && ['"', '\\', ']'].includes(raw[i + 1]!)) {
            value += raw[i + 1];
            i += 2;
          } else {
            if (raw[i] === ']') throw new Error('an unescaped ] inside a PARAM-VALUE');
            value += raw[i];
            i++;
          }
        }
        i++;
        params[name] = value;
      }
      if (raw[i] !== ']') throw new Error(`SD-ELEMENT not closed at ${i}`);
      i++;
      sd[id] = params;
    }
  }
  if (raw[i] === ' ') i++;
  return {
    raw,
    pri: Number(header[1]),
    version: header[2]!,
    timestamp: header[3]!,
    hostname: header[4]!,
    appName: header[5]!,
    procId: header[6]!,
    msgId: header[7]!,
    sd,
    msg: raw.slice(i),
  };
}

/** RFC 6587 octet counting: "<len> <msg>" frames, possibly split or joined across chunks. */
export function octetCountingParser(onMessage: (message: string) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const space = buffer.indexOf(0x20);
      if (space < 0) return;
      const lengthText = buffer.subarray(0, space).toString('ascii');
      if (!/^[1-9]\d*$/.test(lengthText)) throw new Error(`bad frame length ${JSON.stringify(lengthText)}`);
      const length = Number(lengthText);
      if (buffer.length < space + 1 + length) return;
      onMessage(buffer.subarray(space + 1, space + 1 + length).toString('utf8'));
      buffer = buffer.subarray(space + 1 + length);
    }
  };
}

export interface SyslogListener {
  port: number;
  messages: SyslogMessage[];
  /** Framing problems seen (a test asserts there are none). */
  errors: string[];
  close(): Promise<void>;
}

export async function startSyslogListener(
  protocol: 'udp' | 'tcp' | 'tls',
  tls?: { key: string; cert: string },
): Promise<SyslogListener> {
  const listener: SyslogListener = { port: 0, messages: [], errors: [], close: async () => {} };
  const take = (raw: string) => {
    try {
      listener.messages.push(parseRfc5424(raw));
    } catch (err) {
      listener.errors.push(String(err));
    }
  };
  if (protocol === 'udp') {
    const socket = createSocket('udp4');
    socket.on('message', (m) => take(m.toString('utf8')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    listener.port = socket.address().port;
    listener.close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
    return listener;
  }
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const parse = octetCountingParser(take);
    socket.on('data', (chunk: Buffer) => {
      try {
        parse(chunk);
      } catch (err) {
        listener.errors.push(String(err));
      }
    });
    socket.on('error', (err) => listener.errors.push(String(err)));
  };
  const server: Server =
    protocol === 'tls'
      ? createTlsServer({ key: tls!.key, cert: tls!.cert }, onConnection)
      : createTcpServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.port = (server.address() as AddressInfo).port;
  listener.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return listener;
}

/** A self-signed certificate for localhost and 127.0.0.1, made by openssl at test time. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-cert-'));
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    return {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- S3

export interface S3Proxy {
  endpoint: string;
  putCalls: number;
  /** Whether to answer this PUT (1-based count) with 503 after s3rver stored it: the "lost answer". */
  failAfterStoring: (putNumber: number) => boolean;
  close(): Promise<void>;
}

/** Forwards everything to s3rver; a chosen PUT is stored and then answered 503, as if the answer got lost. */
export async function startS3Proxy(targetPort: number): Promise<S3Proxy> {
  const proxy: S3Proxy = { endpoint: '', putCalls: 0, failAfterStoring: () => false, close: async () => {} };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isPut = req.method === 'PUT';
      const n = isPut ? ++proxy.putCalls : 0;
      const upstream = httpRequest(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const upChunks: Buffer[] = [];
          up.on('data', (c: Buffer) => upChunks.push(c));
          up.on('end', () => {
            if (isPut && proxy.failAfterStoring(n)) {
              res.writeHead(503, { 'content-type': 'application/xml' });
              res.end(
                '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>',
              );
              return;
            }
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(Buffer.concat(upChunks));
          });
        },
      );
      upstream.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}
