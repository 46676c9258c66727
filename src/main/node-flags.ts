/**
 * The Node/V8 flags the API and worker processes run with (issue 8: at most 300 MB resident each).
 *
 * Without a limit V8 sizes the heap from the machine's memory (4 GB on an 8 GB+ host) and, with that
 * much room, lets the old generation grow to about four times what survived the last full GC before
 * collecting again: the worker (about 40 MB live) peaked at 280–335 MB RSS under load, mostly garbage
 * waiting for a mark-compact. Below 2 GB, V8 grows the old generation by at most 1.3–2× (1.6× at
 * 1 GB), and the peaks fall by 60–100 MB. The limit itself is far above what either process holds.
 * See docs/BENCHMARKS.md, "Memory".
 *
 * Set where the processes are launched: NODE_OPTIONS in the image (Dockerfile, so every command the
 * image runs, docker-compose's worker included), the start:api, start:worker and start:prod:* scripts
 * (package.json), and test/helpers/platform-process.ts for the tests and benchmarks.
 * test/deploy/node-flags.test.ts holds them together. `npm start` (one development process) runs
 * without them.
 */
export const PRODUCTION_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
