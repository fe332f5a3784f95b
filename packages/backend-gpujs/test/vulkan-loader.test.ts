import { describe, expect, it } from 'vitest';
import { searchVulkanLoader } from '../src/vulkan-loader.js';

const listing = (...libs: string[]) =>
  `${libs.length} libs found in cache \`/etc/ld.so.cache'\n` +
  libs.map((l) => `\t${l} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/${l}`).join('\n');

describe('finding the Vulkan loader before loading Dawn', () => {
  it('finds it in the ld.so cache', () => {
    expect(searchVulkanLoader(undefined, listing('libm.so.6', 'libvulkan.so.1'))).toBe('found');
  });
  it('finds it on LD_LIBRARY_PATH (the lavapipe setup of scripts/webgpu-software.sh)', () => {
    const seen: string[] = [];
    const exists = (p: string) => (seen.push(p), p === '/x/.lavapipe/libs/libvulkan.so.1');
    expect(searchVulkanLoader('/nope:/x/.lavapipe/libs', listing('libm.so.6'), exists)).toBe(
      'found',
    );
    expect(seen).toEqual(['/nope/libvulkan.so.1', '/x/.lavapipe/libs/libvulkan.so.1']);
  });
  it('is missing when neither has it, and a similar name does not count', () => {
    expect(
      searchVulkanLoader('', listing('libvulkan.so.10', 'libvulkan_lvp.so'), () => false),
    ).toBe('missing');
  });
  it('is unknown when the cache cannot be read (Dawn is then loaded as before)', () => {
    expect(searchVulkanLoader(undefined, null)).toBe('unknown');
  });
});
