import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The domain never reads the clock: time is an argument (see src/domain).
      'no-restricted-syntax': 'off',
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'The domain takes `now` as an argument.' },
        { object: 'Math', property: 'random', message: 'The domain is deterministic.' }],
      'no-restricted-imports': ['error', { patterns: ['*/adapters/*', '*/pipeline/*', 'kafkajs', 'mongodb', 'ioredis'] }],
    },
  },
  {
    // The pipeline knows its servers only through ports.ts: a client library imported here would
    // tie every family and the sweep to one client (kafkajs is unmaintained, say).
    files: ['src/pipeline/**/*.ts', 'src/families/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['kafkajs', 'mongodb', 'ioredis', '@kafkajs/confluent-schema-registry'].map((name) => ({
          name, message: 'The pipeline uses the ports in src/pipeline/ports.ts; only src/adapters imports client libraries.',
        })),
        patterns: [{ group: ['*/adapters/*'], message: 'The pipeline depends on ports, not on adapters.' }],
      }],
    },
  },
);
