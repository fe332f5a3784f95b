// Bundles device/check.ts into one ESM file for the GPU machine, leaving gpu.js and webgpu external
// (they come from the device folder's node_modules). Usage: node device/bundle.mjs [outfile]
// bundleForNode is also what test/bridge.test.ts bundles its exit-check script with.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles `entry` (TypeScript, thermograd from source) into one ESM file for plain Node 20.
 * `external` adds packages left out of the bundle (a script that never imports them, or imports
 * them only on a path it does not take, then runs from any directory).
 */
export async function bundleForNode(entry, outfile, logLevel = 'info', external = []) {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['gpu.js', 'webgpu', ...external],
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
    logLevel,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleForNode(
    fileURLToPath(new URL('./check.ts', import.meta.url)),
    process.argv[2] ?? '../../.device/check.mjs',
  );
}
