/**
 * `node:fs` in the page: a read-only in-memory file system. @thermograd/data reads MNIST with
 * existsSync/readFileSync, exactly as the CLI does; the worker fetches the prepared files, puts
 * their bytes here with provideFile, and then calls the same loadMnist, so the page's data set is
 * the CLI's to the bit. (vite.config.ts points the browser's `node:fs` at this module.)
 */
const files = new Map<string, Uint8Array>();

export function provideFile(path: string, bytes: Uint8Array): void {
  files.set(path, bytes);
}

export function existsSync(path: string): boolean {
  return files.has(path);
}

export function readFileSync(path: string): Uint8Array {
  const bytes = files.get(path);
  if (bytes === undefined)
    throw Object.assign(new Error(`ENOENT: ${path} was not fetched into the page`), {
      code: 'ENOENT',
    });
  return bytes;
}
