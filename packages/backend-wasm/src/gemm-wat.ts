/**
 * WebAssembly text of the float32 GEMM microkernel, generated here rather than written out by hand.
 *
 * Why generate WAT in TypeScript and assemble it at load time with `wabt` (see wasm-module.ts):
 * the register-blocked kernel is a fully unrolled MR×NR tile (MR·NR/4 accumulators), which is
 * tedious and error-prone to write out by hand but a few lines to generate; the text stays readable
 * (print `gemmWat()` to see it); no build output is committed, tests run straight from src/, and
 * `tsc` needs no step to copy `.wat` files into dist/.
 *
 * The kernel computes C[Mp×Np] (+)= A · B over one block of `kc` inner indices, reading operands
 * through strides (all in bytes):
 * - A(i, l) at a + p·aPanelStride + r·aRowStride + l·aColStride for row i = p·MR + r: A is read one
 *   scalar at a time (splat into a vector), so any layout works, in place or packed;
 * - B(l, j) at b + q·bPanelStride + l·ldb + 4jj for column j = q·NR + jj: eight consecutive columns
 *   are two vector loads (in place, row-major, or packed [k][NR] panels);
 * - C row-major with row stride ldc.
 * Rows i ≥ m and columns j ≥ n of the padded tile read whatever lies past an operand read in place
 * (matmul.ts reserves the slack; packed panels are zero-padded) and land only in padded parts of C
 * that are never copied out.
 *
 * Loop order (GotoBLAS): KC blocks of the inner dimension, then blocks of GEMM_MC_PANELS row panels,
 * then column panel q, then row panel p, so one B panel (kc·NR floats) stays in L1 while the A block
 * (in L2) streams past it. Each step is a splat-load of A and, per accumulator, one fused
 * multiply-add (`f32x4.relaxed_madd`, relaxed SIMD, where the engine has it: wasm-module.ts
 * decides) or else a multiply and an add. The 4×8 tile (8 accumulators + 2 B vectors + 1 splat in
 * V8's 15 allocatable XMM registers) measured fastest on Zen 5 both without FMA (against 4×16 and
 * 6×8, which spill, and 8×8) and with it (against 6×8, 5×8, 4×12 and 3×16: the larger tiles leave
 * V8's register allocator no room; figures in apps/bench/README.md).
 */
export const GEMM_MR = 4;
export const GEMM_NR = 8;

/** Inner-dimension block: one B micro-panel (KC·NR floats) stays in L1. */
export const GEMM_KC = 256;

/** Row panels per block: an MC×KC block of A (MC = 32·MR = 128 rows, 128 KiB) stays in L2 while every B panel passes it. */
export const GEMM_MC_PANELS = 32;

/**
 * Pages of the shared memory's maximum (4 GiB, all a 32-bit address reaches): shared memories must
 * declare one. An engine that refuses it gets 2 GiB (wasm-memory.ts); the modules' imports accept
 * either. Addresses above 2³¹ are negative as signed i32, so the kernels compare addresses unsigned
 * (`i32.lt_u`/`ge_u`) and keep signed comparisons for counts only.
 */
export const MAX_PAGES = 65536;

/**
 * The module exports `gemm(a, b, c, mPanels, nPanels, k, aRowStride, aColStride, aPanelStride,
 * ldb, bPanelStride, ldc)`: C = A·B over the whole inner dimension, in KC blocks of the inner
 * dimension and, within each, blocks of GEMM_MC_PANELS row panels (GotoBLAS order: the A block in
 * L2, one B micro-panel in L1). Row panel p of A starts at a + p·aPanelStride, column panel q of B
 * at b + q·bPanelStride; so A and B can be read in place (aPanelStride = MR·aRowStride,
 * bPanelStride = 4·NR) or packed into contiguous panels by matmul.ts (A panel [k][MR]: aRowStride
 * 4, aColStride 4·MR; B panel [k][NR]: ldb 4·NR, bPanelStride 4·NR·k). It imports a shared memory,
 * so that worker threads (threads.ts) can run the same code on other panels of the same C. The
 * multiply-adds of each element of C run in the same order whatever the panels and blocks, so the
 * split over threads never changes a bit.
 */
export function gemmWat(mr = GEMM_MR, nr = GEMM_NR, fma = false): string {
  if (nr % 4 !== 0) throw new Error(`gemmWat: NR=${nr} must be a multiple of 4`);
  const nv = nr / 4;
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  const lines: string[] = [];
  const all = (f: (r: number, v: number) => string) => {
    for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) lines.push(f(r, v));
  };
  lines.push(
    '(module',
    `  (import "env" "memory" (memory 1 ${MAX_PAGES} shared))`,
    '  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $mPanels i32)',
    '      (param $nPanels i32) (param $k i32) (param $aRowStride i32) (param $aColStride i32)',
    '      (param $aPanelStride i32) (param $ldb i32) (param $bPanelStride i32) (param $ldc i32)',
    '    (local $k0 i32) (local $kc i32) (local $p0 i32)',
    '    (loop $blocks',
    `      (local.set $kc (select (i32.sub (local.get $k) (local.get $k0)) (i32.const ${GEMM_KC})`,
    `        (i32.lt_u (i32.sub (local.get $k) (local.get $k0)) (i32.const ${GEMM_KC}))))`,
    '      (local.set $p0 (i32.const 0))',
    '      (loop $rowBlocks',
    '        (call $block',
    '          (i32.add (i32.add (local.get $a) (i32.mul (local.get $k0) (local.get $aColStride)))',
    '            (i32.mul (local.get $p0) (local.get $aPanelStride)))',
    '          (i32.add (local.get $b) (i32.mul (local.get $k0) (local.get $ldb)))',
    `          (i32.add (local.get $c) (i32.mul (i32.mul (local.get $p0) (i32.const ${mr})) (local.get $ldc)))`,
    `          (select (i32.sub (local.get $mPanels) (local.get $p0)) (i32.const ${GEMM_MC_PANELS})`,
    `            (i32.lt_u (i32.sub (local.get $mPanels) (local.get $p0)) (i32.const ${GEMM_MC_PANELS})))`,
    '          (local.get $nPanels) (local.get $kc) (local.get $aRowStride) (local.get $aColStride)',
    '          (local.get $aPanelStride) (local.get $ldb) (local.get $bPanelStride) (local.get $ldc) (local.get $k0))',
    `        (local.set $p0 (i32.add (local.get $p0) (i32.const ${GEMM_MC_PANELS})))`,
    '        (br_if $rowBlocks (i32.lt_u (local.get $p0) (local.get $mPanels))))',
    `      (local.set $k0 (i32.add (local.get $k0) (i32.const ${GEMM_KC})))`,
    '      (br_if $blocks (i32.lt_u (local.get $k0) (local.get $k)))))',
    '  (func $block (param $a i32) (param $b i32) (param $c i32) (param $mPanels i32)',
    '      (param $nPanels i32) (param $kc i32) (param $aRowStride i32) (param $aColStride i32)',
    '      (param $aPanelStride i32) (param $ldb i32) (param $bPanelStride i32) (param $ldc i32) (param $accumulate i32)',
    '    (local $p i32) (local $q i32) (local $l i32) (local $ap i32) (local $bp i32) (local $cp i32)',
    '    (local $av v128)',
  );
  for (let v = 0; v < nv; v++) lines.push(`    (local $b${v} v128)`);
  all((r, v) => `    (local ${acc(r, v)} v128)`);
  // Byte offsets of rows 1..MR-1 of an A tile, hoisted out of the loops.
  for (let r = 1; r < mr; r++) lines.push(`    (local $rowOffset${r} i32)`);
  for (let r = 1; r < mr; r++) {
    lines.push(`    (local.set $rowOffset${r} (i32.mul (local.get $aRowStride) (i32.const ${r})))`);
  }
  lines.push(
    '    (local.set $q (i32.const 0))',
    '    (loop $columnPanels',
    '      (local.set $p (i32.const 0))',
    '      (loop $rowPanels',
    '        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $p) (local.get $aPanelStride))))',
    '        (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $q) (local.get $bPanelStride))))',
    `        (local.set $cp (i32.add (local.get $c) (i32.add`,
    `          (i32.mul (i32.mul (local.get $p) (i32.const ${mr})) (local.get $ldc))`,
    `          (i32.mul (local.get $q) (i32.const ${nr * 4})))))`,
    '        (if (local.get $accumulate)',
    '          (then',
  );
  all(
    (r, v) =>
      `            (local.set ${acc(r, v)} (v128.load offset=${v * 16} (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const ${r})))))`,
  );
  lines.push('          )', '          (else');
  all((r, v) => `            (local.set ${acc(r, v)} (v128.const i32x4 0 0 0 0))`);
  lines.push('          ))', '        (local.set $l (local.get $kc))', '        (loop $inner');
  for (let v = 0; v < nv; v++)
    lines.push(`          (local.set $b${v} (v128.load offset=${v * 16} (local.get $bp)))`);
  for (let r = 0; r < mr; r++) {
    const row =
      r === 0 ? '(local.get $ap)' : `(i32.add (local.get $ap) (local.get $rowOffset${r}))`;
    lines.push(`          (local.set $av (v128.load32_splat ${row}))`);
    for (let v = 0; v < nv; v++) {
      const [c, b] = [`(local.get ${acc(r, v)})`, `(local.get $b${v})`];
      // relaxed_madd(x, y, z) = x·y + z, rounded once where the CPU has FMA (the same rounding
      // on every call in one engine, so the thread split still cannot change a bit).
      const update = fma
        ? `(f32x4.relaxed_madd (local.get $av) ${b} ${c})`
        : `(f32x4.add ${c} (f32x4.mul (local.get $av) ${b}))`;
      lines.push(`          (local.set ${acc(r, v)} ${update})`);
    }
  }
  lines.push(
    '          (local.set $ap (i32.add (local.get $ap) (local.get $aColStride)))',
    '          (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))',
    '          (local.set $l (i32.sub (local.get $l) (i32.const 1)))',
    '          (br_if $inner (local.get $l)))',
  );
  all(
    (r, v) =>
      `        (v128.store offset=${v * 16} (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const ${r}))) (local.get ${acc(r, v)}))`,
  );
  lines.push(
    '        (local.set $p (i32.add (local.get $p) (i32.const 1)))',
    '        (br_if $rowPanels (i32.lt_u (local.get $p) (local.get $mPanels))))',
    '      (local.set $q (i32.add (local.get $q) (i32.const 1)))',
    '      (br_if $columnPanels (i32.lt_u (local.get $q) (local.get $nPanels))))',
    '  )',
    ...transposeWat(),
    ...packRowsWat(nr),
    ')',
  );
  return lines.join('\n');
}

/** i8x16.shuffle byte indices taking i32 lanes `lanes` (0-3 from the first operand, 4-7 from the second). */
const shuffle = (lanes: number[], x: string, y: string) =>
  `(i8x16.shuffle ${lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(' ')} ${x} ${y})`;

/**
 * `transpose(src, dst, batch, m, n, lds, ldd)`: the stacked Cᵀ of a conv forward (rows t·n + j,
 * columns i, row stride lds bytes) to dst[t][i][j] (matrix t at dst + t·⌈m/4⌉·4·ldd, row stride ldd
 * bytes), in 4×4 blocks: four rows of src loaded as vectors, transposed in registers with eight
 * shuffles, stored as four vectors. Bits move unchanged. Blocks run over whole fours of i and j, so
 * it reads up to three rows past the last matrix and three columns past m (matmul.ts reserves them)
 * and writes up to ⌈m/4⌉·4 rows of ⌈n/4⌉·4 floats per matrix (ldd leaves room; drained by row).
 */
function transposeWat(): string[] {
  const g = (name: string) => `(local.get $${name})`;
  const rowAt = (r: number) =>
    r === 0 ? g('s') : `(i32.add ${g('s')} (i32.mul ${g('lds')} (i32.const ${r})))`;
  const dstAt = (r: number) =>
    r === 0 ? g('d') : `(i32.add ${g('d')} (i32.mul ${g('ldd')} (i32.const ${r})))`;
  return [
    '  (func (export "transpose") (param $src i32) (param $dst i32) (param $batch i32) (param $m i32) (param $n i32)',
    '      (param $lds i32) (param $ldd i32)',
    '    (local $t i32) (local $i i32) (local $j i32) (local $s i32) (local $d i32) (local $mat i32)',
    '    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)',
    '    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)',
    '    (block $matsOut (loop $mats',
    '      (br_if $matsOut (i32.ge_s (local.get $t) (local.get $batch)))',
    // matrix t's destination: ⌈m/4⌉·4 rows of ldd bytes
    '      (local.set $mat (i32.add (local.get $dst) (i32.mul (i32.mul (local.get $t) (i32.and (i32.add (local.get $m) (i32.const 3)) (i32.const -4))) (local.get $ldd))))',
    '      (local.set $i (i32.const 0))',
    '      (block $rowsOut (loop $rows',
    '        (br_if $rowsOut (i32.ge_s (local.get $i) (local.get $m)))',
    '        (local.set $j (i32.const 0))',
    '        (block $colsOut (loop $cols',
    '          (br_if $colsOut (i32.ge_s (local.get $j) (local.get $n)))',
    '          (local.set $s (i32.add (local.get $src) (i32.add (i32.mul (i32.add (i32.mul (local.get $t) (local.get $n)) (local.get $j)) (local.get $lds))',
    '            (i32.shl (local.get $i) (i32.const 2)))))',
    '          (local.set $d (i32.add (local.get $mat) (i32.add (i32.mul (local.get $i) (local.get $ldd)) (i32.shl (local.get $j) (i32.const 2)))))',
    ...[0, 1, 2, 3].map((r) => `          (local.set $r${r} (v128.load ${rowAt(r)}))`),
    `          (local.set $t0 ${shuffle([0, 4, 1, 5], g('r0'), g('r1'))})`,
    `          (local.set $t1 ${shuffle([2, 6, 3, 7], g('r0'), g('r1'))})`,
    `          (local.set $t2 ${shuffle([0, 4, 1, 5], g('r2'), g('r3'))})`,
    `          (local.set $t3 ${shuffle([2, 6, 3, 7], g('r2'), g('r3'))})`,
    `          (v128.store ${dstAt(0)} ${shuffle([0, 1, 4, 5], g('t0'), g('t2'))})`,
    `          (v128.store ${dstAt(1)} ${shuffle([2, 3, 6, 7], g('t0'), g('t2'))})`,
    `          (v128.store ${dstAt(2)} ${shuffle([0, 1, 4, 5], g('t1'), g('t3'))})`,
    `          (v128.store ${dstAt(3)} ${shuffle([2, 3, 6, 7], g('t1'), g('t3'))})`,
    '          (local.set $j (i32.add (local.get $j) (i32.const 4)))',
    '          (br $cols)))',
    '        (local.set $i (i32.add (local.get $i) (i32.const 4)))',
    '        (br $rows)))',
    '      (local.set $t (i32.add (local.get $t) (i32.const 1)))',
    '      (br $mats)))',
    '  )',
  ];
}

/**
 * `packRows(src, dst, panels, k, lds)`: a row-major B (row stride lds bytes) into [panels][k][NR]
 * panels at dst, NR/4 vector copies per row of a panel (the JavaScript loop it replaces copies one
 * float at a time). The last panel of a B whose width is not a multiple of NR reads up to NR − 1
 * floats past the end of a row (the next row's start, or slack matmul.ts reserves after the last
 * one); they land in padded columns of C that are never copied out.
 */
function packRowsWat(nr: number): string[] {
  const copies: string[] = [];
  for (let v = 0; v < nr / 4; v++)
    copies.push(
      `        (v128.store offset=${16 * v} (local.get $dst) (v128.load offset=${16 * v} (local.get $s)))`,
    );
  return [
    '  (func (export "packRows") (param $src i32) (param $dst i32) (param $panels i32) (param $k i32) (param $lds i32)',
    '    (local $q i32) (local $l i32) (local $s i32)',
    '    (block $panelsOut (loop $panelLoop',
    '      (br_if $panelsOut (i32.ge_s (local.get $q) (local.get $panels)))',
    `      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $q) (i32.const ${nr * 4}))))`,
    '      (local.set $l (local.get $k))',
    '      (block $rowsOut (loop $rowLoop',
    '        (br_if $rowsOut (i32.le_s (local.get $l) (i32.const 0)))',
    ...copies,
    `        (local.set $dst (i32.add (local.get $dst) (i32.const ${nr * 4})))`,
    '        (local.set $s (i32.add (local.get $s) (local.get $lds)))',
    '        (local.set $l (i32.sub (local.get $l) (i32.const 1)))',
    '        (br $rowLoop)))',
    '      (local.set $q (i32.add (local.get $q) (i32.const 1)))',
    '      (br $panelLoop)))',
    '  )',
  ];
}
