// `mpy-iot demo --dashboard`: the README's promise. The demo's own three virtual boards appear live
// on the page, the demo still verifies and prints its verdict, then keeps serving until Ctrl-C.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { tempDir } from '../helpers/cli.ts';
import { browserMissing, launchBrowser, pageErrors, screenshot, type Browser } from './browser.ts';
import { startServingCli, type RunningDashboard } from './cli.ts';

describe('demo --dashboard', { skip: browserMissing() ?? false }, () => {
  let demo: RunningDashboard;
  let browser: Browser;
  let page: Page;

  before(async () => {
    demo = await startServingCli(['demo', '--json', '--dashboard', '0', '--duration', '4s'], tempDir());
    browser = await launchBrowser();
    page = await browser.open(demo.url);
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  test('the page shows the three demo boards live, with buttons on; Ctrl-C ends the demo with its verdict', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#cards .card[data-presence="online"]').length === 3, undefined, { timeout: 60_000 });
    assert.deepEqual(await page.locator('#cards .card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-device'))), ['team-1', 'team-2', 'team-3']);
    assert.equal(await page.locator('#cards .card[data-device="team-2"] [data-f="students"]').textContent(), 'Сидоров П.П');
    await page.waitForFunction(() => Number(document.querySelector('#class-chart')?.getAttribute('data-points')) >= 6, undefined, { timeout: 30_000 });
    assert.equal(await page.locator('#mode').textContent(), 'commands on');
    await screenshot(page, '5-demo-dashboard');
    assert.deepEqual(pageErrors(page), []);
    // The demo verifies as without --dashboard (its JSON document follows the dashboard event) and
    // then serves until Ctrl-C: 130, as every command stopped by Ctrl-C.
    for (let i = 0; i < 600 && !demo.output().includes('"healthyDevices"'); i++) await page.waitForTimeout(100);
    const run = await demo.stop();
    assert.equal(run.code, 130, run.stderr);
    const verdict = JSON.parse(run.stdout.slice(run.stdout.indexOf('\n') + 1)) as { ok: boolean; healthyDevices: number };
    assert.equal(verdict.ok, true);
    assert.equal(verdict.healthyDevices, 3);
  });
});
