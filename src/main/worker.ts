import { run } from './run.js';

// `npm run start:worker`: the Temporal worker only, against DATABASE_URL and TEMPORAL_ADDRESS.
await run({ api: false, worker: true, embedded: false });
