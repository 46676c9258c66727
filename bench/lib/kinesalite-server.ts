import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import kinesalite from 'kinesalite';

/**
 * Kinesalite (an in-memory Kinesis API) as a process of its own, on a free loopback port; prints the
 * port on its first stdout line. Started by Infra.kinesalite(): in the benchmark process it would share
 * an event loop with the load generator and the stream reader, and its per-call CPU (tens of ms for a
 * 500-record PutRecords) would delay both, skewing the very timestamps the latency benchmark takes.
 */
const server: Server = (kinesalite as any)({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
