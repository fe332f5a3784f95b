/**
 * A small line plot on a canvas: several named series, linear or log y, redrawn at most once per
 * animation frame. Enough for live training curves without a charting library.
 */
export interface SeriesSpec {
  name: string;
  color: string;
  /** Dashed line (e.g. the second phase of the invariance view). */
  dashed?: boolean;
}

export class LinePlot {
  private series: { spec: SeriesSpec; xs: number[]; ys: number[] }[] = [];
  private pending = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly title: string,
    private readonly options: { logY?: boolean; xLabel?: string; yRange?: [number, number] } = {},
  ) {
    this.draw();
  }

  /** Adds a series and returns its index. */
  addSeries(spec: SeriesSpec): number {
    this.series.push({ spec, xs: [], ys: [] });
    this.schedule();
    return this.series.length - 1;
  }

  add(index: number, x: number, y: number | null | undefined): void {
    if (y === null || y === undefined || !Number.isFinite(y)) return;
    if (this.options.logY && y <= 0) return;
    this.series[index].xs.push(x);
    this.series[index].ys.push(y);
    this.schedule();
  }

  clear(): void {
    for (const s of this.series) {
      s.xs = [];
      s.ys = [];
    }
    this.schedule();
  }

  removeAll(): void {
    this.series = [];
    this.schedule();
  }

  /** Points in series `index` (automation reads it). */
  count(index: number): number {
    return this.series[index]?.xs.length ?? 0;
  }

  /** The y values of series `index`, in order (automation reads them). */
  values(index: number): number[] {
    return [...(this.series[index]?.ys ?? [])];
  }

  last(index: number): number | undefined {
    const ys = this.series[index]?.ys;
    return ys?.[ys.length - 1];
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width, height } = this.canvas;
    const pad = { left: 52, right: 10, top: 22, bottom: 26 };
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#222';
    ctx.fillText(this.title, pad.left, 14);
    const all = this.series.filter((s) => s.xs.length > 0);
    const f = (y: number) => (this.options.logY ? Math.log10(y) : y);
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const s of all) {
      for (const x of s.xs) [x0, x1] = [Math.min(x0, x), Math.max(x1, x)];
      for (const y of s.ys) [y0, y1] = [Math.min(y0, f(y)), Math.max(y1, f(y))];
    }
    if (this.options.yRange) [y0, y1] = this.options.yRange.map(f) as [number, number];
    if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
    const px = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const py = (y: number) =>
      height - pad.bottom - ((f(y) - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
    ctx.strokeStyle = '#bbb';
    ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
    ctx.fillStyle = '#555';
    const yLabel = (v: number) => {
      const value = this.options.logY ? 10 ** v : v;
      return Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0)
        ? value.toExponential(1)
        : value.toPrecision(3);
    };
    ctx.fillText(yLabel(y1), 2, pad.top + 10);
    ctx.fillText(yLabel(y0), 2, height - pad.bottom);
    ctx.fillText(String(+x0.toPrecision(3)), pad.left, height - 8);
    const right = `${+x1.toPrecision(3)}${this.options.xLabel ? ` ${this.options.xLabel}` : ''}`;
    ctx.fillText(right, width - pad.right - ctx.measureText(right).width, height - 8);
    let legendX = pad.left + ctx.measureText(this.title).width + 16;
    for (const s of this.series) {
      ctx.strokeStyle = s.spec.color;
      ctx.fillStyle = s.spec.color;
      ctx.setLineDash(s.spec.dashed ? [5, 3] : []);
      ctx.beginPath();
      s.xs.forEach((x, i) => {
        const [cx, cy] = [px(x), py(s.ys[i])];
        if (i === 0) ctx.moveTo(cx, cy);
        else ctx.lineTo(cx, cy);
      });
      ctx.stroke();
      ctx.fillText(s.spec.name, legendX, 14);
      legendX += ctx.measureText(s.spec.name).width + 12;
    }
    ctx.setLineDash([]);
  }
}
