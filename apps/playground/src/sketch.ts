/**
 * The digit pad: the user draws with the mouse (or a finger) on a large canvas, which is reduced to
 * 28×28 the way MNIST digits were made: the ink's bounding box scaled to fit 20×20 and centred by
 * its centre of mass in the 28×28 field.
 */
export class Sketch {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private inked = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onStroke: () => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      this.drawing = true;
      this.ctx.beginPath();
      this.ctx.moveTo(e.offsetX, e.offsetY);
      this.line(e.offsetX, e.offsetY);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.drawing) this.line(e.offsetX, e.offsetY);
    });
    const end = () => {
      if (!this.drawing) return;
      this.drawing = false;
      this.onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointerleave', end);
  }

  clear(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  get empty(): boolean {
    return !this.inked;
  }

  /** Draws a stroke through the points (canvas pixels); automation uses it as a user would. */
  stroke(points: [number, number][]): void {
    this.ctx.beginPath();
    this.ctx.moveTo(points[0][0], points[0][1]);
    for (const [x, y] of points) this.line(x, y);
    this.onStroke();
  }

  private line(x: number, y: number): void {
    this.inked = true;
    const ctx = this.ctx;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineTo(x, y);
    ctx.stroke();
  }

  /** 784 pixels in [0, 1], MNIST-style (white ink on black). */
  pixels(): Float32Array {
    const { width, height } = this.canvas;
    const src = this.ctx.getImageData(0, 0, width, height).data;
    let [minX, minY, maxX, maxY] = [width, height, -1, -1];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (src[(y * width + x) * 4] > 0) {
          [minX, minY] = [Math.min(minX, x), Math.min(minY, y)];
          [maxX, maxY] = [Math.max(maxX, x), Math.max(maxY, y)];
        }
    const out = new Float32Array(28 * 28);
    if (maxX < 0) return out;
    const box = Math.max(maxX - minX + 1, maxY - minY + 1);
    const small = new OffscreenCanvas(28, 28);
    const sctx = small.getContext('2d')!;
    const size = (20 * (maxX - minX + 1)) / box;
    const sizeY = (20 * (maxY - minY + 1)) / box;
    sctx.drawImage(this.canvas, minX, minY, maxX - minX + 1, maxY - minY + 1, 0, 0, size, sizeY);
    const fitted = sctx.getImageData(0, 0, 28, 28).data;
    // Centre of mass of the 20×20 box, moved to the field's centre (14, 14).
    let [mass, cx, cy] = [0, 0, 0];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const v = fitted[(y * 28 + x) * 4] / 255;
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    const [dx, dy] = [Math.round(14 - cx / mass), Math.round(14 - cy / mass)];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const [sx, sy] = [x - dx, y - dy];
        if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28)
          out[y * 28 + x] = fitted[(sy * 28 + sx) * 4] / 255;
      }
    return out;
  }
}
