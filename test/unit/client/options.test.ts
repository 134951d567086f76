// The producer client's options are checked before it connects: every problem named at once,
// insecure combinations refused, and no secret repeated in the message.
import { describe, expect, it } from 'vitest';
import { ClientOptionsError, ConsentWorkerClient } from '../../../src/client/index.ts';
import { problemsOf, type ClientOptions } from '../../../src/client/options.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const base: ClientOptions = { brokers: ['kafka:9093'], registryUrl: 'https://registry:8443' };

describe('producer client options', () => {
  it('accept TLS, SCRAM and registry basic auth over https', () => {
    expect(problemsOf({
      ...base, ssl: { ca: PEM }, sasl: { mechanism: 'scram-sha-512', username: 'producer', password: 'p' },
      registryAuth: { username: 'producer', password: 'p' }, registryCa: PEM,
    })).toEqual([]);
  });

  it.each([
    ['no brokers', { brokers: [] }, /brokers/],
    ['a broker without a port', { brokers: ['kafka'] }, /brokers/],
    ['a registry URL that is not http(s)', { registryUrl: 'ftp://registry' }, /registryUrl/],
    ['a CA given as a path instead of its contents', { ssl: { ca: '/etc/ca.pem' } }, /ssl\.ca must be a PEM/],
    ['an unknown SASL mechanism', { sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }, /sasl\.mechanism/],
    ['an empty SASL password', { sasl: { mechanism: 'scram-sha-512', username: 'u', password: '' } }, /sasl\.username and sasl\.password/],
    ['SASL PLAIN without TLS', { sasl: { mechanism: 'plain', username: 'u', password: 'p' } }, /in clear/],
    ['registry basic auth over http', { registryUrl: 'http://registry:8081', registryAuth: { username: 'u', password: 'p' } }, /in clear/],
    ['a registry CA for an http registry', { registryUrl: 'http://registry:8081', registryCa: PEM }, /registryCa is set but registryUrl is http/],
  ])('refuse %s', (_, change, problem) => {
    expect(problemsOf({ ...base, ...change } as ClientOptions).join('; ')).toMatch(problem);
  });

  it('make connect() reject before any connection, naming every problem and no password', async () => {
    const connecting = ConsentWorkerClient.connect({ brokers: [], registryUrl: 'http://r:8081', registryAuth: { username: 'u', password: 'hunter2-secret' } });
    const failure = await connecting.then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(ClientOptionsError);
    expect((failure as ClientOptionsError).problems).toHaveLength(2);
    expect((failure as Error).message).not.toContain('hunter2-secret');
  });
});
