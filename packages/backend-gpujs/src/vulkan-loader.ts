/**
 * Whether the Vulkan loader (libvulkan.so.1) can be found on Linux, asked before Dawn is loaded:
 * on a machine without it Dawn can find no adapter, and loading it only prints "Couldn't load
 * Vulkan" warnings on stderr, from native code, which nothing in Node can silence. The search is
 * the dynamic loader's own: LD_LIBRARY_PATH's directories, then the ld.so cache (`ldconfig -p`).
 * When the cache cannot be read the answer is 'unknown' and Dawn is loaded as before.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const VULKAN_LOADER = 'libvulkan.so.1';

export type LoaderSearch = 'found' | 'missing' | 'unknown';

/** The search itself, given what it reads (testable without changing the machine). */
export function searchVulkanLoader(
  libraryPath: string | undefined,
  ldconfigListing: string | null,
  exists: (path: string) => boolean = existsSync,
): LoaderSearch {
  for (const dir of (libraryPath ?? '').split(':').filter((d) => d !== ''))
    if (exists(join(dir, VULKAN_LOADER))) return 'found';
  if (ldconfigListing === null) return 'unknown';
  return ldconfigListing.split('\n').some((line) => line.trim().startsWith(`${VULKAN_LOADER} `))
    ? 'found'
    : 'missing';
}

function ldconfigListing(): string | null {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      // Try the next location.
    }
  }
  return null;
}

/** This machine's answer; only Linux is searched (elsewhere 'unknown'). */
export function vulkanLoaderOnThisMachine(): LoaderSearch {
  if (process.platform !== 'linux') return 'unknown';
  return searchVulkanLoader(process.env.LD_LIBRARY_PATH, ldconfigListing());
}
