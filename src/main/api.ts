import { run } from './run.js';

// `npm run start:api`: the HTTP API only, against DATABASE_URL and TEMPORAL_ADDRESS. Run as many as needed.
await run({ api: true, worker: false, embedded: false });
