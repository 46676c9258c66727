// Run as a child process by cli.ts (never imported): the Temporal SDK's own way of getting a dev
// server, TestWorkflowEnvironment.createLocal with a cached download, which fetches the CLI from
// temporal.download into the directory given as argument. The server it starts is stopped at once;
// only the downloaded binary is wanted. A child process because the SDK runtime it installs is
// process-wide, and so that a download that stalls can be killed outright.
const downloadDir = process.argv[2];
if (!downloadDir) {
  console.error('usage: sdk-download-child <download dir>');
  process.exit(2);
}
try {
  // A devDependency: absent from production installs, where the build or an installed CLI is the way.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir, ttl: '3650d' }, ui: false },
  });
  await env.teardown();
  process.exit(0);
} catch (err) {
  console.error((err as Error).message ?? String(err));
  process.exit(1);
}
