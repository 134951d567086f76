// The Docker path runs the broker line the native stack runs: 4.4.0 unless STACK_KAFKA_VERSION
// asks for another, in testcontainers (test/support/containers.ts) and docker-compose.yml alike.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_VERSION, kafkaImage } from '../support/containers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the Docker path\'s Kafka image', () => {
  it('is the native stack\'s default broker unless STACK_KAFKA_VERSION names another', () => {
    const stackDefault = /KAFKA_VERSION="\$\{STACK_KAFKA_VERSION:-([\d.]+)\}"/.exec(readFileSync(path.join(ROOT, 'scripts/stack/kafka.sh'), 'utf8'))?.[1];
    expect(DEFAULT_KAFKA_VERSION).toBe(stackDefault);
    expect(kafkaImage({})).toBe(`apache/kafka:${DEFAULT_KAFKA_VERSION}`);
    expect(kafkaImage({ STACK_KAFKA_VERSION: '3.9.2' })).toBe('apache/kafka:3.9.2');
  });

  it('is the same in docker-compose.yml', () => {
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(`image: apache/kafka:\${STACK_KAFKA_VERSION:-${DEFAULT_KAFKA_VERSION}}`);
  });
});
