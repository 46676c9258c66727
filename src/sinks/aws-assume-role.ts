import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Credentials of the customer's role, assumed with their external id (the confused-deputy guard) and
 * reused until 5 minutes before they expire. `classify` turns an STS failure into the driver's error.
 */
export function assumeRoleCredentials(
  role: { roleArn: string; externalId?: string },
  region: string,
  classify: (err: unknown, what: string) => Error,
): AwsCredentialIdentityProvider {
  const sts = new STSClient({ region, requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }) });
  let cached: AwsCredentialIdentity | undefined;
  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > 5 * 60_000) return cached;
    try {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: 'audit-platform-delivery',
          ExternalId: role.externalId,
          DurationSeconds: 3600,
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      cached = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return cached;
    } catch (err) {
      throw classify(err, `assuming ${role.roleArn}`);
    }
  };
}
