// Which failures are a server refusing the worker (reported loudly) and which are outages
// (retried quietly), from the error shapes the clients really produce (no servers here).
import { describe, expect, it } from 'vitest';
import { securityRefusalOf } from '../../../src/ops/security-refusal.ts';

const error = (message: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error(message), fields);

describe('securityRefusalOf', () => {
  it.each([
    ['a SASL login refused by Kafka', error('SASL SCRAM SHA512 authentication failed', { name: 'KafkaJSSASLAuthenticationError' }), /^Kafka refused/],
    ['an ACL refusal wrapped by kafkajs', error('Not authorized', { cause: error('Topic authorization failed', { type: 'TOPIC_AUTHORIZATION_FAILED' }) }), /^Kafka refused/],
    ['a certificate of another CA', error('unable to verify the first certificate', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), /^TLS refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE/],
    ['an expired certificate', error('certificate has expired', { code: 'CERT_HAS_EXPIRED' }), /^TLS refused: CERT_HAS_EXPIRED/],
    ['a wrong Redis password', error('WRONGPASS invalid username-password pair or user is disabled.'), /^Redis refused: WRONGPASS/],
    ['a wrong password on a Redis Cluster (ioredis\' ClusterAllFailedError)', error('Failed to refresh slots cache.', { name: 'ClusterAllFailedError', lastNodeError: error('WRONGPASS invalid username-password pair or user is disabled.') }), /^Redis refused: WRONGPASS/],
    ['a MongoDB login refused', error('Authentication failed.', { code: 18 }), /^MongoDB refused/],
    ['a registry 401', error('Confluent_Schema_Registry - Error, status 401', { status: 401 }), /^schema registry refused/],
    ['the registry client\'s TLS failure (reported as status 400)', error('Confluent_Schema_Registry - Error, status 400: unable to verify the first certificate', { status: 400 }), /^TLS refused/],
  ])('recognises %s', (_, failure, reason) => {
    expect(securityRefusalOf(failure)).toMatch(reason);
  });

  it.each([
    ['a connection refused (server down)', error('connect ECONNREFUSED 127.0.0.1:9092', { code: 'ECONNREFUSED' })],
    ['a timeout', error('Request timed out', { name: 'KafkaJSRequestTimeoutError' })],
    ['a registry 500', error('Confluent_Schema_Registry - Error, status 500', { status: 500 })],
    ['not an error at all', 'boom'],
  ])('leaves %s to the outage path', (_, failure) => {
    expect(securityRefusalOf(failure)).toBeNull();
  });
});
