import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, test } from 'node:test';
import { FASTER_WAYS, findOrBuildTemporalCli } from '../../src/temporal/cli.js';

// Getting the Temporal CLI on a machine without one: the faster ways said first, the SDK's download
// tried (and never allowed to hang), then the build with progress. `go` here is a stand-in that
// prints what `go install -v` prints and writes the binary, so the test takes seconds, not 15 minutes.
let work: string;
const saved = { PATH: process.env.PATH, HTTPS_PROXY: process.env.HTTPS_PROXY };
const held: Socket[] = [];
const silentProxy = createServer((socket) => {
  held.push(socket); // accepts and never answers: a network that stalls
});

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'audit-cli-'));
  const bin = join(work, 'bin');
  await mkdir(bin);
  await writeFile(
    join(bin, 'go'),
    `#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.99 stand-in"; exit 0; fi
for i in 1 2 3 4 5 6 7 8; do
  echo "go: downloading example.com/m$i v1.0.0" >&2
  echo "example.com/pkg$i" >&2
  sleep 0.3
done
printf '#!/bin/sh\\necho temporal stand-in\\n' > "$GOBIN/temporal"
chmod +x "$GOBIN/temporal"
`,
  );
  await chmod(join(bin, 'go'), 0o755);
  process.env.PATH = `${bin}${delimiter}${process.env.PATH}`;
  await new Promise<void>((resolve) => silentProxy.listen(0, '127.0.0.1', resolve));
  const port = (silentProxy.address() as { port: number }).port;
  process.env.HTTPS_PROXY = `http://127.0.0.1:${port}`;
});
after(async () => {
  process.env.PATH = saved.PATH;
  if (saved.HTTPS_PROXY === undefined) delete process.env.HTTPS_PROXY;
  else process.env.HTTPS_PROXY = saved.HTTPS_PROXY;
  for (const s of held) s.destroy();
  silentProxy.close();
  await rm(work, { recursive: true, force: true });
});

test('no CLI: the faster ways come first, a stalled SDK download is cut off, and the build reports progress', async () => {
  const messages: string[] = [];
  const cacheDir = join(work, 'cache', 'v1.5.1');
  const cli = await findOrBuildTemporalCli({
    cacheDir,
    log: (m) => messages.push(m),
    downloadTimeoutMs: 20_000,
    progressIntervalMs: 500,
  });
  assert.equal(cli, join(cacheDir, 'temporal'));
  assert.equal(execFileSync(cli, { encoding: 'utf8' }).trim(), 'temporal stand-in');

  const at = (re: RegExp) => messages.findIndex((m) => re.test(m));
  const text = messages.join('\n');
  assert.ok(at(/No Temporal CLI found/) === 0, text);
  for (const way of ['on PATH', 'AUDIT_TEMPORAL_CLI', 'TEMPORAL_ADDRESS']) {
    assert.ok(messages[0]!.includes(way), `the first message offers ${way}`);
  }
  assert.ok(messages[0]!.includes(FASTER_WAYS));
  assert.ok(at(/SDK download/) > 0, text);
  assert.ok(at(/did not finish|could not download/) > at(/SDK download/), text);
  assert.ok(at(/about 15 minutes on a 2-core machine/) > at(/did not finish|could not download/), text);
  const progress = messages.filter((m) => m.startsWith('Still building the Temporal CLI'));
  assert.ok(progress.length >= 1, text);
  assert.match(progress.at(-1)!, /\d+ s elapsed, \d+ modules downloaded, [1-9]\d* packages compiled/);
  assert.ok(at(/Temporal CLI built in/) > at(/Still building/), text);

  const ps = execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  assert.ok(!ps.includes(join(work, 'cache')), 'nothing the download started is left running');

  // The next call finds the cached binary at once, with nothing to say.
  const again: string[] = [];
  assert.equal(await findOrBuildTemporalCli({ cacheDir, log: (m) => again.push(m) }), cli);
  assert.deepEqual(again, []);
});

test('the same advice when Go is missing too', async () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await assert.rejects(
      findOrBuildTemporalCli({ cacheDir: join(work, 'nogo', 'v1.5.1'), downloadTimeoutMs: 20_000 }),
      (err: Error) => err.message.includes('Go is not installed') && err.message.includes(FASTER_WAYS),
    );
  } finally {
    process.env.PATH = path;
  }
});
