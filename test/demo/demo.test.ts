import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/runtime/embedded-postgres.js';
import { testEnv } from '../helpers/env.js';
import { alive, descendants, killAll, processesUsing } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

// `npm run demo` as a newcomer runs it: kinesalite and s3rver, the platform on its own data
// directory, two sinks, a few events, and the records printed as they arrive.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
let dataDir: string | undefined;
let demo: ChildProcess | undefined;
let started: number[] = [];
let passed = false;
after(async () => {
  // On a failure, nothing may outlive the test (an orphan holding the demo's pipes keeps this file running).
  if (demo && !passed) killAll([demo.pid!, ...started]);
  demo?.stdout?.destroy();
  demo?.stderr?.destroy();
  if (dataDir) {
    killAll(processesUsing(dataDir));
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('npm run demo delivers to a local Kinesis stream and S3 bucket, takes more events, and stops on SIGTERM', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'audit-demo-'));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const proc = spawn('npm', ['run', 'demo'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      AUDIT_DEMO_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUDIT_TEMPORAL_PORT: String(await freePort()),
      AUDIT_TEMPORAL_UI_PORT: String(await freePort()),
      AUDIT_TEMPORAL_CLI: testEnv('AUDIT_TEMPORAL_CLI'),
      AUDIT_WORKFLOW_BUNDLE: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  demo = proc;
  let output = '';
  proc.stdout!.on('data', (c) => (output += c));
  proc.stderr!.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const seen = (re: RegExp, what: string, timeoutMs = 60_000) =>
    waitFor(what, async () => re.exec(output), timeoutMs).catch((err: Error) =>
      assert.fail(`${err.message}\n${output.slice(-5000)}`),
    );

  await seen(
    /kinesis record {2}stream audit-demo {2}billing\.plan_changed/,
    'the demo events in the stream',
    240_000,
  );
  for (const action of ['audit.sink_created', 'member.invited', 'member.role_changed']) {
    assert.match(output, new RegExp(`kinesis record  stream audit-demo  ${action.replace('.', '\\.')}`));
  }
  await seen(
    /s3 object {7}s3:\/\/audit-demo\/tenant=t_demo\/workspace=w_demo\/.*member\.invited/,
    'an S3 object',
  );
  assert.match(output, new RegExp(`Open the console at http://localhost:${port}/console`));

  // The line the demo prints for sending more works as printed, and its event arrives too.
  const curl = /^ {2}(curl -s .*demo\.clicked.*)$/m.exec(output)?.[1];
  assert.ok(curl, output);
  const sent = spawn('bash', ['-c', curl], { stdio: ['ignore', 'pipe', 'inherit'] });
  let answer = '';
  sent.stdout!.on('data', (c) => (answer += c));
  await new Promise((resolve) => sent.once('exit', resolve));
  const id = (JSON.parse(answer) as { ids: string[] }).ids[0]!;
  await seen(
    new RegExp(`kinesis record {2}stream audit-demo {2}demo\\.clicked {2}id=${id}`),
    'the curl event',
  );

  started = [...descendants(proc.pid!), ...processesUsing(dataDir)];
  assert.ok(processesUsing(dataDir).length >= 2, 'PostgreSQL and the Temporal dev server run');
  proc.kill('SIGTERM');
  await exited;
  await waitFor('everything the demo started to end', async () => started.every((pid) => !alive(pid))).catch(
    (err: Error) => assert.fail(`${err.message}\n${output.slice(-3000)}`),
  );
  passed = true;
});
