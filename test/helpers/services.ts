/**
 * Where the throwaway services that `npm test` (scripts/test.mjs) started are, or why a test
 * that needs one skips. Give each test the service's `skip` (`test(name, { skip }, ...)`, so the
 * run counts them as skipped), return early from hooks when it is set, and read the address
 * inside. Under CI=true nothing skips: a missing service fails the tests that need it.
 */

export interface TestService {
  /** A reason to skip (naming the install command), or false when the service is there. */
  readonly skip: string | false;
  /** The service's address; throws with the install command when it is missing. */
  address(): string;
}

function testService(variable: string, what: string, install: string): TestService {
  const value = process.env[variable];
  const missing =
    `${what} is not available: ${variable} is unset. \`npm test\` sets it when ${what} is installed ` +
    `(\`${install}\`); or set it yourself.`;
  const inCi = process.env['CI'] === 'true';
  return {
    skip: value === undefined && !inCi ? missing : false,
    address() {
      if (value === undefined) throw new Error(missing);
      return value;
    },
  };
}

/** `redis://127.0.0.1:<port>`: a redis-server with no persistence, shared by the whole run. */
export const testRedis = testService('CRUNCH_TEST_REDIS_URL', 'redis-server', 'apt-get install -y redis-server');

/** The path of Prometheus's `promtool` (Debian's `prometheus` package), to check the metrics exposition. */
export const testPromtool = testService('CRUNCH_TEST_PROMTOOL', 'promtool', 'apt-get install -y --no-install-recommends prometheus');

/** The path of a Chromium binary, for playwright-core's `executablePath`. */
export const testChromium = testService('CRUNCH_TEST_CHROMIUM', 'chromium', 'apt-get install -y chromium');
