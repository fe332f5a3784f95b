// ESLint for every package: the recommended JavaScript and TypeScript rules, with the few
// project conventions below. Run with `pnpm lint` (turbo runs each package's `eslint src test`).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      'runs/**',
      'lab/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names are errors, except those deliberately marked with a leading underscore.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Randomness only through seeded generators (the project's determinism rule).
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'Use a seeded Generator (thermograd has no hidden global RNG).',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // Tests may hand Math.random to an API to check that it is refused.
    files: ['**/test/**', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
