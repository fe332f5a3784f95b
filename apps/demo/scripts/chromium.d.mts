import type { Browser } from 'puppeteer-core';

export const CHROMIUM_PATH: string;
export function launchChromium(): Promise<Browser>;

export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
export interface ReportLayout {
  charts: {
    title: string;
    chart: Box;
    visible: Box;
    legends: { text: string; box: Box }[];
  }[];
  pageWidth: number;
  windowWidth: number;
}
export function measureReport(browser: Browser, html: string, width: number): Promise<ReportLayout>;
