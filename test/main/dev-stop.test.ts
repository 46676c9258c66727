import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { testEnv } from '../helpers/env.js';
import { type PlatformProcess, startPlatformProcess } from '../helpers/platform-process.js';
import { alive, descendants, killAll, processesUsing, processTable } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

// How `npm start` ends: SIGTERM from a supervisor to the npm pid, and SIGKILL with the next start
// finding what the killed run left behind.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-stop-'));
  await chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) {
    killAll(processesUsing(dir));
    await rm(dir, { recursive: true, force: true });
  }
});

async function embeddedEnv(dir: string): Promise<Record<string, string>> {
  return {
    AUDIT_DATA_DIR: dir,
    AUDIT_TEMPORAL_PORT: String(await freePort()),
    AUDIT_TEMPORAL_UI_PORT: String(await freePort()),
    AUDIT_TEMPORAL_CLI: testEnv('AUDIT_TEMPORAL_CLI'),
    LOG_LEVEL: 'info',
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    AUDIT_ADMIN_TOKEN: '',
    AUDIT_SECRET_KEY: '',
    AUDIT_WORKFLOW_BUNDLE: '',
  };
}

test('SIGTERM to the `npm start` pid stops npm, tsx, node, PostgreSQL and the Temporal dev server', async () => {
  const dir = await dataDir();
  const port = await freePort();
  const npm: ChildProcess = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...(await embeddedEnv(dir)), PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (c) => (output = (output + c).slice(-16_000)));
  npm.stderr!.on('data', (c) => (output = (output + c).slice(-16_000)));
  const exited = new Promise((resolve) => npm.once('exit', resolve));
  let started: number[] = [];
  let passed = false;
  try {
    await waitFor(
      'npm start to be ready',
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`)
          .then((r) => r.status === 200)
          .catch(() => false),
      180_000,
    ).catch((err: Error) => assert.fail(`${err.message}\n${output}`));
    started = [...descendants(npm.pid!), ...processesUsing(dir)];
    assert.ok(processesUsing(dir).length >= 2, 'PostgreSQL and the Temporal dev server run on the data dir');
    assert.ok(
      started.some((pid) =>
        processTable()
          .find((p) => p.pid === pid)
          ?.args.includes('src/main/dev.ts'),
      ),
      'npm runs tsx src/main/dev.ts',
    );

    npm.kill('SIGTERM');
    await exited;
    await waitFor('every process npm start started to end', async () =>
      [npm.pid!, ...started].every((pid) => !alive(pid)),
    ).catch((err: Error) =>
      assert.fail(
        `${err.message}; left running:\n${processTable()
          .filter((p) => started.includes(p.pid))
          .map((p) => `${p.pid} ${p.args}`)
          .join('\n')}\n${output.slice(-3000)}`,
      ),
    );
    assert.match(output, /"msg":"stopping"/, 'the platform shut down in order, not killed');
    passed = true;
  } finally {
    // On a failure, nothing may outlive the test (an orphan holding npm's pipes keeps this file running).
    if (!passed) killAll([npm.pid!, ...started]);
    npm.stdout!.destroy();
    npm.stderr!.destroy();
  }
});

test('after SIGKILL, the next start stops the PostgreSQL and Temporal dev server left running, and keeps the data', async () => {
  const dir = await dataDir();
  const env = await embeddedEnv(dir);
  let first: PlatformProcess | undefined = await startPlatformProcess({ entry: 'dev', env });
  const token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
  const created = await fetch(`${first.url}/v1/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 't_kill', role: 'producer' }),
  });
  assert.equal(created.status, 201);
  const leftBehind = processesUsing(dir);
  await first.kill();
  first = undefined;
  assert.deepEqual(processesUsing(dir), leftBehind, 'SIGKILL leaves PostgreSQL and the dev server running');
  assert.ok(leftBehind.length >= 2);

  const second = await startPlatformProcess({ entry: 'dev', env });
  try {
    const out = second.output();
    assert.match(out, /stopped a PostgreSQL \(pid \d+\) left running/);
    assert.match(out, /stopped a Temporal dev server left running/);
    for (const pid of leftBehind) assert.equal(alive(pid), false, `pid ${pid} of the killed run is gone`);
    const keys = await fetch(`${second.url}/v1/admin/api-keys?tenantId=t_kill`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(keys.status, 200);
    assert.equal(((await keys.json()) as { data: unknown[] }).data.length, 1, 'the key survived');

    // While it runs, a second platform on the same data directory is refused with the reason.
    await assert.rejects(startPlatformProcess({ entry: 'dev', env }), (err: Error) => {
      const fatal = err.message
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.level === 60);
      assert.ok(fatal, err.message);
      assert.match(fatal.msg, /failed to start: another audit platform process \(pid \d+/);
      assert.match(fatal.err.stack, /DataDirInUseError|another audit platform process/);
      assert.match(err.message, /Stop it \(kill \d+\) or give this one its own AUDIT_DATA_DIR/);
      return true;
    });
  } finally {
    await second.stop();
  }
  assert.deepEqual(processesUsing(dir), []);
});
