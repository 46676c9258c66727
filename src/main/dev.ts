import { run } from './run.js';

// `npm start`: API and worker in one process, with embedded PostgreSQL and a Temporal dev server
// unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere.
await run({ api: true, worker: true, embedded: true });
