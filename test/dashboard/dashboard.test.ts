// The dashboard as a teacher uses it: `mpy-iot dashboard` on a class of three virtual boards
// (real MicroPython firmware, real Aedes broker), opened in a real headless chromium at projector
// size. Every board gets a card with its students in Cyrillic, new temperatures are plotted, the
// buttons round-trip through the boards, a stopped board goes offline, a board of another class is
// shown apart, the CSV downloads, and a dashboard started without --allow-commands refuses commands.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';
import { browserMissing, launchBrowser, pageErrors, screenshot, type Browser } from './browser.ts';
import { startDashboardCli, startServingCli, type RunningDashboard } from './cli.ts';

const STUDENTS = { 'team-1': ['Иванов И.И', 'Петрова А.С'], 'team-2': ['Сидоров П.П'], 'team-3': ['Ёлкина Щ.Ю'] } as const;
const NAMES = Object.keys(STUDENTS) as (keyof typeof STUDENTS)[];
const card = (page: Page, device: string) => page.locator(`#cards .card[data-device="${device}"]`);
const points = async (page: Page, selector: string): Promise<number> => Number((await page.locator(selector).getAttribute('data-points')) ?? 0);

describe('dashboard in a real browser, three virtual boards', { skip: browserMissing() ?? false }, () => {
  let broker: TestBroker;
  let dir: string;
  let boards: Record<string, VirtualBoard>;
  let web: RunningDashboard;
  let readOnly: RunningDashboard;
  let browser: Browser;
  let page: Page;
  let stranger: MqttClient;

  before(async () => {
    broker = await startAedes();
    dir = await buildLab({
      brokerUrl: broker.url,
      defaults: { telemetry: { intervalSeconds: 1 }, listen: ['RESULT'] },
      devices: NAMES.map((name, i) => ({ name, board: i === 1 ? 'esp8266' : 'esp32', telemetry: { students: STUDENTS[name], group: i < 2 ? 'БАГ-18-01' : 'БАГ-18-02', sensor: 'simulated' } })),
    });
    web = await startDashboardCli(['--allow-commands'], dir);
    readOnly = await startDashboardCli([], dir);
    boards = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await bootBoard(dir, n)] as const)));
    await Promise.all(Object.values(boards).map((b) => b.waitForLine(/telemetry sent/, 30_000)));
    browser = await launchBrowser();
    page = await browser.open(web.url);
  });
  after(async () => {
    await stranger?.endAsync();
    await browser?.close();
    await web?.stop();
    await readOnly?.stop();
    await Promise.all(Object.values(boards ?? {}).map((b) => b.stop()));
    await broker?.stop();
  });

  test('every board of the class has a card: students in Cyrillic, group, board, online', async () => {
    for (const name of NAMES) {
      const c = card(page, name);
      await c.waitFor({ timeout: 10_000 });
      await page.waitForFunction((n) => document.querySelector(`.card[data-device="${n}"]`)?.getAttribute('data-presence') === 'online', name, { timeout: 15_000 });
      assert.equal(await c.locator('[data-f="students"]').textContent(), STUDENTS[name].join(', '));
      assert.equal(await c.locator('[data-f="board"]').textContent(), name === 'team-2' ? 'esp8266' : 'esp32');
      assert.match((await c.locator('[data-f="temperature"]').textContent()) ?? '', /^\d+\.\d°$/);
    }
    assert.equal(await page.locator('#cards .card').count(), 3);
    assert.match((await page.locator('#totals').textContent()) ?? '', /3 boards.*3 online/);
    await screenshot(page, '1-three-boards');
    assert.deepEqual(pageErrors(page), []);
  });

  test('new temperatures are plotted on the card and on the class chart', async () => {
    const spark = '#cards .card[data-device="team-1"] .spark';
    const before = await points(page, spark);
    const classBefore = await points(page, '#class-chart');
    await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel as string)?.getAttribute('data-points')) >= (n as number) + 2, [spark, before], { timeout: 15_000 });
    await page.waitForFunction((n) => Number(document.querySelector('#class-chart')?.getAttribute('data-points')) >= n + 6, classBefore, { timeout: 15_000 });
    // uPlot drew them: a canvas per sparkline and one for the class, with a legend naming every board.
    assert.equal(await page.locator('#cards .spark canvas').count(), 3);
    assert.deepEqual((await page.locator('#class-chart .u-legend .u-label').allTextContents()), NAMES);
  });

  test('Ping, LED and RESULT round-trip through the board', async () => {
    const c = card(page, 'team-2');
    await c.locator('button[data-action="ping"]').click();
    await assert.doesNotReject(c.locator('.outcome.ok', { hasText: /^pong in \d+ ms$/ }).waitFor({ timeout: 10_000 }));
    const blinks: boolean[] = [];
    boards['team-2']!.on('led', (on) => blinks.push(on));
    await c.locator('button[data-action="led"]').click();
    await c.locator('.outcome.ok', { hasText: /LED blinks/ }).waitFor({ timeout: 10_000 });
    await until(() => blinks.filter((on) => on).length >= 3, 'the LED of team-2 to blink 3 times');
    await c.locator('button[data-action="result"]').click();
    await c.locator('.outcome.ok', { hasText: /^RESULT → Сидоров П.П — / }).waitFor({ timeout: 10_000 });
    const heard = await boards['team-2']!.waitForLine(/result for my board/, 20_000, { fromStart: true });
    assert.match(heard, /Сидоров П\.П/);
    // Only the addressed board prints it.
    assert.equal(boards['team-1']!.console.some((l) => /result for my board/.test(l.line)), false);
    await screenshot(page, '2-commands');
  });

  test('the grade table lists every team, and the CSV downloads (the same CSV as grade --report)', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#grades tbody tr').length === 3);
    assert.deepEqual(await page.locator('#grades tbody tr td:first-child').allTextContents(), NAMES.map((n) => STUDENTS[n].join(', ')));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    assert.match(download.suggestedFilename(), /^grades-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.ok(csv.startsWith('\uFEFF'), 'a BOM, so spreadsheets read the Cyrillic names');
    assert.equal(lines[0], 'group,students,device,board,verdict,reason,valid,invalid,messages');
    assert.equal(lines.length, 4);
    assert.match(lines[1]!, /^БАГ-18-01,Иванов И\.И; Петрова А\.С,team-1,[0-9a-f]{12},passed,/);
    assert.match(lines[3]!, /^БАГ-18-02,Ёлкина Щ\.Ю,team-3,/);
  });

  test('a board of another class is shown apart, not as a card of the class', async () => {
    // Whatever a board sends is shown as text, never as markup: anyone on the broker can publish.
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    stranger = await mqtt.connectAsync(broker.url, { clientId: 'stranger-board' });
    await stranger.publishAsync('DATA/240ac4ffee01', JSON.stringify({ temperature: 30.5, students: ['Гость Г.Г', '<img src=x onerror=alert(1)>'], group: 'ИВТ-20-01<svg onload=alert(2)>' }));
    const foreign = page.locator('#foreign .card');
    await foreign.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#foreign-section').isVisible(), true);
    assert.match((await foreign.locator('[data-f="line"]').textContent()) ?? '', /not in this class/);
    assert.match((await foreign.locator('[data-f="students"]').textContent()) ?? '', /^Гость Г\.Г.*<img src=x onerror=alert\(1\)>$/);
    assert.equal(await page.locator('img[src="x"], svg[onload]').count(), 0, 'payload markup became elements');
    assert.deepEqual(dialogs, []);
    assert.equal(await page.locator('#cards .card').count(), 3);
    assert.equal(await foreign.locator('button[data-action="ping"]').isDisabled(), true);
  });

  test('a read-only dashboard refuses commands (403) and greys its buttons out', async () => {
    const other = await browser.open(readOnly.url);
    await card(other, 'team-1').waitFor({ timeout: 10_000 });
    await other.waitForFunction(() => document.querySelector('#mode')?.textContent === 'read-only');
    assert.equal(await card(other, 'team-1').locator('button[data-action="ping"]').isDisabled(), true);
    assert.equal(await other.locator('#result-all').isDisabled(), true);
    const refused = await other.evaluate(async () => {
      const res = await fetch('/api/command', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'ping', device: 'team-1' }) });
      return { status: res.status, body: (await res.json()) as { error: string } };
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /read-only.*--allow-commands/);
    await other.close();
  });

  test('a stopped board goes offline on the page, with since-when', async () => {
    await boards['team-3']!.stop();
    await page.waitForFunction(() => document.querySelector('.card[data-device="team-3"]')?.getAttribute('data-presence') === 'offline', undefined, { timeout: 15_000 });
    assert.match((await card(page, 'team-3').locator('[data-f="presence"]').textContent()) ?? '', /^offline \d+ s$/);
    assert.equal(await card(page, 'team-1').getAttribute('data-presence'), 'online');
    assert.match((await page.locator('#totals').textContent()) ?? '', /1 offline/);
    await screenshot(page, '3-team-3-offline');
    assert.deepEqual(pageErrors(page), []);
  });
});

// `mpy-iot demo --dashboard`: the README's promise. The demo's own three virtual boards appear live
// on the page, the demo still verifies and prints its verdict, then keeps serving until Ctrl-C.
// In this file (not its own) so that its boards and browser never run alongside the suite above.
describe('demo --dashboard', { skip: browserMissing() ?? false }, () => {
  let demo: RunningDashboard;
  let browser: Browser;
  let page: Page;

  before(async () => {
    demo = await startServingCli(['demo', '--dashboard', '0'], tempDir());
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
    // The demo verifies as without --dashboard (its table and verdict) and then serves until
    // Ctrl-C: 130, as every command stopped by Ctrl-C.
    for (let i = 0; i < 600 && !/passed: \d+ device/.test(demo.output()); i++) await page.waitForTimeout(100);
    const run = await demo.stop();
    assert.equal(run.code, 130, run.stderr + run.stdout);
    assert.match(run.stdout, /✓ passed: 3 device\(s\) healthy/);
  });
});
