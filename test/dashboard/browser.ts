// Debian's chromium driven by playwright-core: a real browser for the dashboard tests, with a fresh
// profile each run. Screenshots go to test-artifacts/dashboard/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));

/** Why the browser tests cannot run here, or null when they can. */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it as root)`;
}

export interface Browser {
  context: BrowserContext;
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/** A projector-sized browser (1366×768): what the class sees. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
  });
  const errors: string[] = [];
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      // A script error on the page fails the test that looks at it (see pageErrors).
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      (page as Page & { errors: string[] }).errors = errors;
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const pageErrors = (page: Page): string[] => (page as Page & { errors?: string[] }).errors ?? [];

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
