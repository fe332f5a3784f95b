// Bundles device/check.ts into one ESM file for the GPU machine, leaving gpu.js and webgpu external
// (they come from the device folder's node_modules). Usage: node device/bundle.mjs [outfile]
import { build } from 'esbuild';

const outfile = process.argv[2] ?? '../../.device/check.mjs';
await build({
  entryPoints: [new URL('./check.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  external: ['gpu.js', 'webgpu'],
  // Bundled CommonJS (wabt, seedrandom) expects require and __dirname.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      "import { fileURLToPath as __fileURLToPath } from 'node:url';",
      "import { dirname as __pathDirname } from 'node:path';",
      'const require = __createRequire(import.meta.url);',
      'const __filename = __fileURLToPath(import.meta.url);',
      'const __dirname = __pathDirname(__filename);',
    ].join('\n'),
  },
  outfile,
  logLevel: 'info',
});
