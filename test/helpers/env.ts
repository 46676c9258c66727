/** What test/run.ts hands every test process. */
export function testEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with \`npm test\` (test/run.ts)`);
  return value;
}
