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
    },
  },
  // What may import what (the layers, at any depth, and no import cycle) is checked by
  // dependency-cruiser in the same `npm run lint`: see .dependency-cruiser.js for why not here.
);
