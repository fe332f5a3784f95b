/**
 * Vite for the playground. The workspace packages are read from their TypeScript sources (the
 * "source" export condition, as the tests do), so no build of the libraries is needed first. The
 * few Node built-ins they import are pointed at src/node-shims in the browser bundle (see those
 * files for why each is safe). Both servers send COOP/COEP headers: a cross-origin-isolated page
 * gets SharedArrayBuffer, which the WebAssembly backend's threads need.
 */
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

const shim = (file: string) => fileURLToPath(new URL(`./src/node-shims/${file}`, import.meta.url));
const NODE_SHIMS: Record<string, string> = {
  'node:fs': shim('fs.ts'),
  'node:path': shim('path.ts'),
  'node:module': shim('unavailable.ts'),
  'node:url': shim('unavailable.ts'),
  'node:zlib': shim('unavailable.ts'),
  'node:os': shim('unavailable.ts'),
  'node:worker_threads': shim('unavailable.ts'),
  'node:child_process': shim('unavailable.ts'),
};

function nodeShims(): Plugin {
  return {
    name: 'thermograd-node-shims',
    enforce: 'pre',
    resolveId(id) {
      return NODE_SHIMS[id] ?? null;
    },
  };
}

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [nodeShims()],
  worker: { format: 'es', plugins: () => [nodeShims()] },
  resolve: { conditions: ['source', ...defaultClientConditions] },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // gpu.js compiles the kernels' JavaScript source text to GLSL: minified (renamed, merged
    // locals), that text no longer translates (a local redefined, an array used as a number).
    minify: false,
    // conformance.html: the op table on gpu.js WebGL, opened by the e2e run (src/conformance.ts).
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        conformance: fileURLToPath(new URL('./conformance.html', import.meta.url)),
      },
    },
  },
});
