/**
 * The committed kernel bytes (src/wasm-binaries.ts) are exactly what wabt assembles from the
 * kernel texts today: edit a WAT text without regenerating and this fails (run it with --update
 * to regenerate). The backend itself never assembles, so importing it starts no wabt.
 */
import { describe, expect, it } from 'vitest';
import { wasmBinariesModule } from './assemble.js';

describe('wasm kernel bytes', () => {
  it('src/wasm-binaries.ts matches the WAT texts', async () => {
    await expect(wasmBinariesModule()).toMatchFileSnapshot('../src/wasm-binaries.ts');
  });
});
