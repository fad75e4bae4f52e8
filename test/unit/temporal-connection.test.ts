// One connection recipe for the CLI and the workers (@temporalio/envconfig): the defaults reach a
// local server, TEMPORAL_* variables reach docker-compose, and a profile or an API key reaches
// Temporal Cloud (TLS on) without a line of llmbatch code changing.
import { temporalConnectConfig } from '../../workers/settings';

/** Only the given environment: no file, nothing from this machine. */
const fromEnv = (env: Record<string, string>) => temporalConnectConfig({ overrideEnvVars: env, disableFile: true });

describe('temporalConnectConfig', () => {
  it('defaults to a local server in namespace default, without TLS', () => {
    const { connectionOptions, namespace } = fromEnv({});
    expect(connectionOptions.address).toBe('localhost:7233');
    expect(connectionOptions.tls).toBeUndefined();
    expect(namespace).toBe('default');
  });

  it('takes the address and namespace docker-compose gives its containers', () => {
    const { connectionOptions, namespace } = fromEnv({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'jobs' });
    expect(connectionOptions.address).toBe('temporal:7233');
    expect(namespace).toBe('jobs');
  });

  it('reaches Temporal Cloud with an API key (TLS on) from variables or from a profile', () => {
    const cloud = {
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'llmbatch.a1b2c',
      TEMPORAL_API_KEY: 'key-from-env',
    };
    expect(fromEnv(cloud)).toEqual({
      connectionOptions: expect.objectContaining({
        address: cloud.TEMPORAL_ADDRESS,
        apiKey: 'key-from-env',
        tls: true,
      }),
      namespace: cloud.TEMPORAL_NAMESPACE,
    });

    const toml = [
      '[profile.default]',
      'address = "localhost:7233"',
      '[profile.cloud]',
      `address = "${cloud.TEMPORAL_ADDRESS}"`,
      `namespace = "${cloud.TEMPORAL_NAMESPACE}"`,
      'api_key = "key-from-profile"',
    ].join('\n');
    const profile = temporalConnectConfig({
      configSource: { data: toml },
      overrideEnvVars: { TEMPORAL_PROFILE: 'cloud' },
    });
    expect(profile.connectionOptions).toMatchObject({
      address: cloud.TEMPORAL_ADDRESS,
      apiKey: 'key-from-profile',
      tls: true,
    });
    expect(profile.namespace).toBe(cloud.TEMPORAL_NAMESPACE);
  });
});
