/** Versions recorded in every run's summary, so a result can be traced to what produced it. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function versions(backend: string): Record<string, string> {
  const own = require('../package.json') as { version: string };
  return {
    thermogradDemo: own.version,
    node: process.versions.node,
    v8: process.versions.v8,
    backend,
    platform: `${process.platform}-${process.arch}`,
  };
}
