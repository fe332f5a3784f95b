/**
 * WebAssembly text of the fast backend's float32 data-movement and element-wise kernels (the
 * non-matmul part of a CNN step), assembled at load like the GEMM (gemm-wat.ts, wasm-module.ts).
 *
 * Why wasm: a JavaScript loop over a Float32Array costs 2-3 ns per element (a float32→float64
 * load, a bounds check and a rounding store each), while a SIMD loop handles four elements per
 * instruction. The module imports the backend's shared
 * memory (wasm-memory.ts), where the tensors live, so wasm-ops.ts runs these on the tensors in
 * place (copying in only an operand that lives outside it).
 *
 * Every kernel computes each element exactly as the JavaScript kernels it replaces: float32
 * add/sub/mul/div equal the double-precision operation rounded to float32 (the double has more than
 * twice float32's precision), comparisons and selects move bits unchanged, and col2im and the
 * max-pool backward add into each element in the same order. All offsets are in bytes. The
 * convolution and pooling kernels run on several threads (threads.ts), each call cut into whole
 * images or planes; their comments say why the parts do not overlap.
 *
 * Element-wise loops run over whole vectors of four, so they read and write up to three floats past
 * the end of each region: every block of the memory has that slack (wasm-memory.ts), and a row-by-row caller processes rows in
 * increasing order, so an overshoot into the next row is overwritten by it.
 */
import { MAX_PAGES } from './gemm-wat.js';

const v = (name: string) => `(local.get $${name})`;
const set = (name: string, value: string) => `(local.set $${name} ${value})`;
const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
const sub = (a: string, b: string) => `(i32.sub ${a} ${b})`;
const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
const c = (n: number) => `(i32.const ${n})`;
const bytes = (floats: string) => `(i32.shl ${floats} (i32.const 2))`;
const max0 = (a: string) => `(select ${a} (i32.const 0) (i32.gt_s ${a} (i32.const 0)))`;
const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
const params = (...names: string[]) => names.map((n) => `(param $${n} i32)`).join(' ');
const locals = (type: string, ...names: string[]) =>
  names.map((n) => `(local $${n} ${type})`).join(' ');

/**
 * for (; name < end; name += step) body: a loop that does not run when name ≥ end at entry. Counts
 * compare signed (a clipped window's end may be negative); byte addresses, which pass 2³¹ in a
 * 4 GiB memory, unsigned (addressLoop).
 */
function loop(
  label: string,
  name: string,
  end: string,
  step: string,
  body: string[],
  cmp = 'ge_s',
) {
  return [
    `(block $${label}_out (loop $${label}`,
    `  (br_if $${label}_out (i32.${cmp} ${v(name)} ${end}))`,
    ...body.map((l) => '  ' + l),
    `  ${set(name, add(v(name), step))}`,
    `  (br $${label})))`,
  ];
}
const addressLoop = (label: string, name: string, end: string, step: string, body: string[]) =>
  loop(label, name, end, step, body, 'ge_u');

/**
 * Element-wise over n floats, four at a time: `vector` is the v128 expression stored to out,
 * given the loaded $va (and $vb) vectors.
 */
function elementwise(
  name: string,
  operands: ('a' | 'b')[],
  vector: string,
  scalarB = false,
): string[] {
  return [
    `(func (export "${name}") ${params(...operands, 'out', 'n')} ${locals('i32', 'end')} ${locals('v128', 'va', 'vb')}`,
    `  ${set('end', add(v('out'), bytes(v('n'))))}`,
    ...(scalarB ? [`  ${set('vb', `(v128.load32_splat ${v('b')})`)}`] : []),
    ...addressLoop('l', 'out', v('end'), c(16), [
      set('va', `(v128.load ${v('a')})`),
      ...(operands.includes('b') && !scalarB
        ? [set('vb', `(v128.load ${v('b')})`), set('b', add(v('b'), c(16)))]
        : []),
      `(v128.store ${v('out')} ${vector})`,
      set('a', add(v('a'), c(16))),
    ]).map((l) => '  ' + l),
    ')',
  ];
}

const BINARY = { add: 'f32x4.add', sub: 'f32x4.sub', mul: 'f32x4.mul', div: 'f32x4.div' } as const;
export type WasmBinaryOp = keyof typeof BINARY;

/** Copies `len` floats from s to t (bytes): vectors of four, then single floats (no overshoot). */
function copyRun(s: string, t: string, len: string, op: 'copy' | 'add'): string[] {
  const vec =
    op === 'copy'
      ? `(v128.store ${v(t)} (v128.load ${v(s)}))`
      : `(v128.store ${v(t)} (f32x4.add (v128.load ${v(t)}) (v128.load ${v(s)})))`;
  const one =
    op === 'copy'
      ? `(f32.store ${v(t)} (f32.load ${v(s)}))`
      : `(f32.store ${v(t)} (f32.add (f32.load ${v(t)}) (f32.load ${v(s)})))`;
  return [
    `(block $v_out (loop $v`,
    `  (br_if $v_out (i32.lt_s ${v(len)} (i32.const 4)))`,
    `  ${vec}`,
    `  ${set(s, add(v(s), c(16)))} ${set(t, add(v(t), c(16)))} ${set(len, sub(v(len), c(4)))}`,
    `  (br $v)))`,
    `(block $f_out (loop $f`,
    `  (br_if $f_out (i32.le_s ${v(len)} (i32.const 0)))`,
    `  ${one}`,
    `  ${set(s, add(v(s), c(4)))} ${set(t, add(v(t), c(4)))} ${set(len, sub(v(len), c(1)))}`,
    `  (br $f)))`,
  ];
}

/** One channel of a full 5×5 window: rows of x from $src (row stride $rowBytes), the patch at $dst. */
function fullWindow5(op: 'copy' | 'add'): string[] {
  const lines = [set('r', v('src'))];
  for (let i = 0; i < 5; i++) {
    if (i > 0) lines.push(set('r', add(v('r'), v('rowBytes'))));
    const at = i * 20;
    if (op === 'copy') {
      lines.push(`(v128.store offset=${at} ${v('dst')} (v128.load ${v('r')}))`);
      lines.push(`(f32.store offset=${at + 16} ${v('dst')} (f32.load offset=16 ${v('r')}))`);
    } else {
      lines.push(
        `(v128.store ${v('r')} (f32x4.add (v128.load ${v('r')}) (v128.load offset=${at} ${v('dst')})))`,
      );
      lines.push(
        `(f32.store offset=16 ${v('r')} (f32.add (f32.load offset=16 ${v('r')}) (f32.load offset=${at + 16} ${v('dst')})))`,
      );
    }
  }
  return lines;
}

/**
 * im2col (op 'copy': out [n·outH·outW, c·kh·kw] from x [n, c, h, w], padded windows zeroed) or
 * col2im (op 'add': out [n, c, h, w], any contents, cleared and then accumulating cols), the loops
 * of conv.ts: each window row clipped to the image once, then copied or added as a run. Image b
 * reads and writes only its own patches and pixels, so a call on images [b0, b1) is the same call
 * with x, cols and n moved (threads.ts splits it so).
 */
function convFunc(name: string, op: 'copy' | 'add'): string[] {
  const g = ['n', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh_n', 'ow_n'];
  // im2col reads the image (img) and writes the columns (col); col2im reads col, writes img.
  const [s, t] = op === 'copy' ? ['img', 'col'] : ['col', 'img'];
  const run = [
    set('len', sub(v('j1'), v('j0'))),
    ...(op === 'copy'
      ? [
          set('img', add(v('src'), bytes(add(mul(v('i'), v('w')), v('j0'))))),
          set('col', add(v('dst'), bytes(add(mul(v('i'), v('kw')), v('j0'))))),
        ]
      : [
          set('col', add(v('dst'), bytes(add(mul(v('i'), v('kw')), v('j0'))))),
          set('img', add(v('src'), bytes(add(mul(v('i'), v('w')), v('j0'))))),
        ]),
    ...copyRun(s, t, 'len', op),
  ];
  const channel = [
    // src: the window's top-left corner in this channel's plane (may lie outside the image; only
    // its in-image part is addressed); dst: the channel's kh·kw slice of the patch.
    set(
      'src',
      add(v('image'), bytes(add(mul(add(mul(v('ch'), v('h')), v('y0')), v('w')), v('x0')))),
    ),
    set('dst', add(v('d'), bytes(mul(mul(v('ch'), v('kh')), v('kw'))))),
    set('i', v('i0')),
    ...loop('rows', 'i', v('i1'), c(1), run),
  ];
  const partial = `(i32.or (i32.or (i32.ne ${v('j0')} (i32.const 0)) (i32.ne ${v('j1')} ${v('kw')})) (i32.or (i32.ne ${v('i0')} (i32.const 0)) (i32.ne ${v('i1')} ${v('kh')})))`;
  const window = [
    set('x0', sub(mul(v('ow'), v('sw')), v('pw'))),
    set('j0', max0(sub(c(0), v('x0')))),
    set('j1', min(v('kw'), sub(v('w'), v('x0')))),
    ...(op === 'copy'
      ? [`(if ${partial} (then (memory.fill ${v('d')} (i32.const 0) ${bytes(v('patch'))})))`]
      : []),
    // A 5×5 window wholly inside the image: each channel's 25 elements as five rows, each one
    // vector and one float, at constant offsets (a loop per row costs several times the copy).
    `(if (i32.and (i32.eqz ${partial}) (i32.and (i32.eq ${v('kw')} (i32.const 5)) (i32.eq ${v('kh')} (i32.const 5))))`,
    `  (then`,
    ...[
      set('src', add(v('image'), bytes(add(mul(v('y0'), v('w')), v('x0'))))),
      set('dst', v('d')),
      set('ch', c(0)),
      ...loop('full', 'ch', v('c'), c(1), [
        ...fullWindow5(op),
        set('src', add(v('src'), v('planeBytes'))),
        set('dst', add(v('dst'), c(100))),
      ]),
    ].map((l) => '    ' + l),
    `  )`,
    `  (else`,
    ...[set('ch', c(0)), ...loop('channels', 'ch', v('c'), c(1), channel)].map((l) => '    ' + l),
    `  ))`,
    set('d', add(v('d'), bytes(v('patch')))),
  ];
  const outRow = [
    set('y0', sub(mul(v('oh'), v('sh')), v('ph'))),
    set('i0', max0(sub(c(0), v('y0')))),
    set('i1', min(v('kh'), sub(v('h'), v('y0')))),
    set('ow', c(0)),
    ...loop('windows', 'ow', v('ow_n'), c(1), window),
  ];
  const image = [
    set('image', add(v('x'), bytes(mul(mul(v('b'), v('c')), mul(v('h'), v('w')))))),
    // col2im adds into its image from zeros: clearing it here, one image at a time, keeps the
    // clearing with the adds (in cache, and on the thread that computes the image).
    ...(op === 'add'
      ? [`(memory.fill ${v('image')} (i32.const 0) ${mul(v('c'), v('planeBytes'))})`]
      : []),
    set('oh', c(0)),
    ...loop('outRows', 'oh', v('oh_n'), c(1), outRow),
  ];
  return [
    `(func (export "${name}") ${params('x', 'cols', ...g)}`,
    `  ${locals('i32', 'patch', 'd', 'b', 'image', 'oh', 'ow', 'y0', 'x0', 'i0', 'i1', 'j0', 'j1', 'ch', 'src', 'dst', 'i', 'len', 'img', 'col', 'planeBytes', 'rowBytes', 'r')}`,
    `  ${set('patch', mul(mul(v('c'), v('kh')), v('kw')))}`,
    `  ${set('planeBytes', bytes(mul(v('h'), v('w'))))}`,
    `  ${set('rowBytes', bytes(v('w')))}`,
    `  ${set('d', v('cols'))}`,
    `  ${set('b', c(0))}`,
    ...loop('images', 'b', v('n'), c(1), image).map((l) => '  ' + l),
    ')',
  ];
}

/**
 * The 2×2, stride-2, unpadded max pool, four outputs at a time: the four candidates of each window
 * de-interleaved from two rows (top-left, top-right, bottom-left, bottom-right, the reference's
 * order), each taken where it is greater or NaN while the best so far is not NaN (the first NaN
 * wins and stops the search), with its index into x plus `base` (argmax, as int32). A row's last
 * group may compute past outW: those lanes land on the next row's first outputs, which that row
 * rewrites; the call's last group stores only its lanes inside the output, so a call on planes
 * [p0, p1) (x, y and argmax moved, base = p0·h·w: threads.ts splits it so) writes nothing of
 * another's.
 */
function maxPool2x2(): string[] {
  const take = (cand: string, off: string) => [
    set(
      'm',
      `(v128.and (f32x4.eq ${v('best')} ${v('best')}) (v128.or (f32x4.gt ${cand} ${v('best')}) (f32x4.ne ${cand} ${cand})))`,
    ),
    set('best', `(v128.bitselect ${cand} ${v('best')} ${v('m')})`),
    set('at', `(v128.bitselect (i32x4.add ${v('idx')} ${off}) ${v('at')} ${v('m')})`),
  ];
  const even = 'i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27';
  const odd = 'i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31';
  const group = [
    set('p0', add(v('top'), mul(v('ow'), c(2)))),
    set('src', add(v('x'), bytes(v('p0')))),
    set('lo', `(v128.load ${v('src')})`),
    set('hi', `(v128.load offset=16 ${v('src')})`),
    set('best', `(${even} ${v('lo')} ${v('hi')})`),
    set('tr', `(${odd} ${v('lo')} ${v('hi')})`),
    set('src', add(v('src'), bytes(v('w')))),
    set('lo', `(v128.load ${v('src')})`),
    set('hi', `(v128.load offset=16 ${v('src')})`),
    set('bl', `(${even} ${v('lo')} ${v('hi')})`),
    set('br', `(${odd} ${v('lo')} ${v('hi')})`),
    set('idx', `(i32x4.add (i32x4.splat ${add(v('p0'), v('base'))}) (v128.const i32x4 0 2 4 6))`),
    set('at', v('idx')),
    ...take(v('tr'), '(v128.const i32x4 1 1 1 1)'),
    ...take(v('bl'), `(i32x4.splat ${v('w')})`),
    ...take(v('br'), `(i32x4.splat ${add(v('w'), c(1))})`),
    `(if (i32.le_s ${add(v('o'), c(4))} ${v('end')})`,
    `  (then`,
    `    (v128.store ${add(v('y'), bytes(v('o')))} ${v('best')})`,
    `    (v128.store ${add(v('am'), bytes(v('o')))} ${v('at')}))`,
    `  (else`,
    ...[0, 1, 2].map(
      (lane) =>
        `    (if (i32.gt_s ${sub(v('end'), v('o'))} ${c(lane)}) (then ` +
        `(v128.store32_lane offset=${lane * 4} ${lane} ${add(v('y'), bytes(v('o')))} ${v('best')}) ` +
        `(v128.store32_lane offset=${lane * 4} ${lane} ${add(v('am'), bytes(v('o')))} ${v('at')})))`,
    ),
    `  ))`,
    set('o', add(v('o'), c(4))),
  ];
  const row = [
    set('top', mul(add(mul(v('plane'), v('h')), mul(v('oh'), c(2))), v('w'))),
    set('o', mul(add(mul(v('plane'), v('oh_n')), v('oh')), v('ow_n'))),
    set('ow', c(0)),
    ...loop('groups', 'ow', v('ow_n'), c(4), group),
  ];
  const plane = [set('oh', c(0)), ...loop('rows', 'oh', v('oh_n'), c(1), row)];
  return [
    `(func (export "maxPool2x2") ${params('x', 'y', 'am', 'planes', 'h', 'w', 'oh_n', 'ow_n', 'base')}`,
    `  ${locals('i32', 'plane', 'oh', 'ow', 'top', 'o', 'p0', 'src', 'end')} ${locals('v128', 'lo', 'hi', 'best', 'tr', 'bl', 'br', 'idx', 'at', 'm')}`,
    `  ${set('end', mul(mul(v('planes'), v('oh_n')), v('ow_n')))}`,
    `  ${set('plane', c(0))}`,
    ...loop('planes', 'plane', v('planes'), c(1), plane).map((l) => '  ' + l),
    ')',
  ];
}

/**
 * The `zeroBytes` bytes at `zero` cleared, then dx[argmax[o]] += dy[o] for argmax[o] ≥ 0, o
 * ascending (the reference's order). A max pool's outputs of plane p point into plane p of x only,
 * so a call on planes [p0, p1) (dy, argmax, the count and the cleared range moved; threads.ts
 * splits it so) clears and adds into those planes alone.
 */
function scatterAdd(): string[] {
  const body = [
    set('at', `(i32.load ${add(v('am'), bytes(v('o')))})`),
    `(if (i32.ge_s ${v('at')} (i32.const 0)) (then`,
    `  ${set('t', add(v('dx'), bytes(v('at'))))}`,
    `  (f32.store ${v('t')} (f32.add (f32.load ${v('t')}) (f32.load ${add(v('dy'), bytes(v('o')))})))))`,
  ];
  return [
    `(func (export "scatterAdd") ${params('dy', 'am', 'dx', 'count', 'zero', 'zeroBytes')} ${locals('i32', 'o', 'at', 't')}`,
    `  (memory.fill ${v('zero')} (i32.const 0) ${v('zeroBytes')})`,
    ...loop('l', 'o', v('count'), c(1), body).map((l) => '  ' + l),
    ')',
  ];
}

/**
 * swapOuterAxes(x, out, rows, batch, stride, p): out [rows, batch, p] from x [batch, stride, p]
 * (its first rows of the middle axis), out[o][b] = x[b][o] as runs of p floats (memory.copy): the
 * permute [B, O, P] → [O, B, P] of a conv weight gradient's dy. Bits move unchanged. A call on
 * rows [o0, o1) is the same call with x and out moved (threads.ts splits it so).
 */
function swapOuterAxes(): string[] {
  const run = [
    `(memory.copy ${v('t')} ${v('s')} ${v('run')})`,
    set('t', add(v('t'), v('run'))),
    set('s', add(v('s'), mul(v('stride'), v('run')))),
  ];
  const row = [
    set('t', add(v('out'), mul(mul(v('o'), v('batch')), v('run')))),
    set('s', add(v('x'), mul(v('o'), v('run')))),
    set('b', c(0)),
    ...loop('runs', 'b', v('batch'), c(1), run),
  ];
  return [
    `(func (export "swapOuterAxes") ${params('x', 'out', 'rows', 'batch', 'stride', 'p')} ${locals('i32', 'o', 'b', 's', 't', 'run')}`,
    `  ${set('run', bytes(v('p')))}`,
    ...loop('rows', 'o', v('rows'), c(1), row).map((l) => '  ' + l),
    ')',
  ];
}

/**
 * channelSums(x, out, channels, batch, batchBytes, p): out[c] = the float32 rounding of the
 * float64 sum of x[b][c][j] over b, then j, in that order from +0 (reduce.ts's order, so the same
 * bits): the bias gradient of a convolution, x [batch, C, p] (batchBytes = C·p·4). Four channels
 * are summed side by side (four independent chains of float64 adds, each in its own order). A
 * call on channels [c0, c1) is the same call with x and out moved (threads.ts splits it so).
 */
function channelSums(): string[] {
  const chains = (count: number) => {
    const acc = (i: number) => `a${i}`;
    const body = [
      set('s', v('row')),
      set('e', add(v('row'), bytes(v('p')))),
      ...loop('terms', 's', v('e'), c(4), [
        ...Array.from(
          { length: count },
          (_, i) =>
            `(local.set $${acc(i)} (f64.add (local.get $${acc(i)}) (f64.promote_f32 (f32.load ${i === 0 ? v('s') : add(v('s'), mul(v('pBytes'), c(i)))}))))`,
        ),
      ]),
      set('row', add(v('row'), v('batchBytes'))),
    ];
    return [
      ...Array.from({ length: count }, (_, i) => `(local.set $${acc(i)} (f64.const 0))`),
      set('row', add(v('x'), mul(v('ch'), v('pBytes')))),
      set('b', c(0)),
      ...loop(`batch${count}`, 'b', v('batch'), c(1), body),
      ...Array.from(
        { length: count },
        (_, i) =>
          `(f32.store offset=${4 * i} ${add(v('out'), bytes(v('ch')))} (f32.demote_f64 (local.get $${acc(i)})))`,
      ),
      set('ch', add(v('ch'), c(count))),
    ];
  };
  return [
    `(func (export "channelSums") ${params('x', 'out', 'channels', 'batch', 'batchBytes', 'p')} ${locals('i32', 'ch', 'b', 'row', 's', 'e', 'pBytes')} ${locals('f64', 'a0', 'a1', 'a2', 'a3')}`,
    `  ${set('pBytes', bytes(v('p')))}`,
    `  (block $fours_out (loop $fours`,
    `    (br_if $fours_out (i32.gt_s ${add(v('ch'), c(4))} ${v('channels')}))`,
    ...chains(4).map((l) => '    ' + l),
    `    (br $fours)))`,
    `  (block $ones_out (loop $ones`,
    `    (br_if $ones_out (i32.ge_s ${v('ch')} ${v('channels')}))`,
    ...chains(1).map((l) => '    ' + l),
    `    (br $ones)))`,
    ')',
  ];
}

/**
 * finiteProbe(x, n) → 0 when all n floats are finite, NaN otherwise: the sum of x − x (0 for a
 * finite element, NaN for an infinity or a NaN), four lanes at a time and in any order since every
 * term is 0 or NaN. Whole vectors first, then the last n mod 4 floats one by one (the slack past
 * the end holds anything, NaN included).
 */
function finiteProbe(): string[] {
  return [
    `(func (export "finiteProbe") ${params('x', 'n')} (result f32) ${locals('i32', 'end', 'vend')} ${locals('v128', 'va', 'acc')} (local $s f32)`,
    `  ${set('end', add(v('x'), bytes(v('n'))))}`,
    `  ${set('vend', add(v('x'), bytes(`(i32.and ${v('n')} (i32.const -4))`)))}`,
    ...addressLoop('l', 'x', v('vend'), c(16), [
      set('va', `(v128.load ${v('x')})`),
      set('acc', `(f32x4.add ${v('acc')} (f32x4.sub ${v('va')} ${v('va')}))`),
    ]).map((l) => '  ' + l),
    `  ${set('s', `(f32.add (f32.add (f32x4.extract_lane 0 ${v('acc')}) (f32x4.extract_lane 1 ${v('acc')})) (f32.add (f32x4.extract_lane 2 ${v('acc')}) (f32x4.extract_lane 3 ${v('acc')})))`)}`,
    ...addressLoop('t', 'x', v('end'), c(4), [
      `(local.set $s (f32.add (local.get $s) (f32.sub (f32.load ${v('x')}) (f32.load ${v('x')}))))`,
    ]).map((l) => '  ' + l),
    `  (local.get $s)`,
    ')',
  ];
}

export function opsWat(): string {
  const zero = '(v128.const f32x4 0 0 0 0)';
  const lines = [
    '(module',
    `  (import "env" "memory" (memory 1 ${MAX_PAGES} shared))`,
    // relu: x unless x ≤ 0 (−0 and negatives give +0, NaN stays NaN); its backward: dy where
    // x > 0, x itself (a NaN) where x is NaN, 0 elsewhere.
    ...elementwise('relu', ['a'], `(v128.andnot ${v('va')} (f32x4.le ${v('va')} ${zero}))`),
    ...elementwise(
      'reluBackward',
      ['a', 'b'],
      `(v128.or (v128.and ${v('vb')} (f32x4.gt ${v('va')} ${zero})) (v128.and ${v('va')} (f32x4.ne ${v('va')} ${v('va')})))`,
    ),
  ];
  for (const [op, instr] of Object.entries(BINARY)) {
    lines.push(...elementwise(`${op}_vv`, ['a', 'b'], `(${instr} ${v('va')} ${v('vb')})`));
    lines.push(...elementwise(`${op}_vs`, ['a', 'b'], `(${instr} ${v('va')} ${v('vb')})`, true));
    // scalar a, vector b: the same loop with the operands' roles swapped in the instruction.
    lines.push(...elementwise(`${op}_sv`, ['a', 'b'], `(${instr} ${v('vb')} ${v('va')})`, true));
  }
  lines.push(
    ...convFunc('im2col', 'copy'),
    ...convFunc('col2im', 'add'),
    ...maxPool2x2(),
    ...scatterAdd(),
    ...channelSums(),
    ...swapOuterAxes(),
    ...finiteProbe(),
    ')',
  );
  return lines.join('\n');
}
