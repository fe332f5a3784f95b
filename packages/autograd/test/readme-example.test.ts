import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('README example', () => {
  it('is the same code as examples/quickstart.mjs and fits y = 3x − 1', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../examples/quickstart.mjs', import.meta.url), 'utf8');
    const block = readme.match(/```js\n([\s\S]*?)```/);
    expect(block, 'README has a ```js block').not.toBeNull();
    expect(example.startsWith(block![1])).toBe(true);
    const { fitted } = await import('../examples/quickstart.mjs');
    expect(fitted.w).toBeCloseTo(3, 3);
    expect(fitted.b).toBeCloseTo(-1, 3);
  });
});
