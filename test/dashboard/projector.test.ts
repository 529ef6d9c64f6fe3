// A class of 32 teams on a 1366×768 projector. 30 teams send the lab's payloads through a real
// broker (one MQTT client per board, as the lab's boards would; virtual boards for 30 would only
// slow the machine down — the three-board test runs the real firmware), one sends its temperature
// as text, one never sends. The page must show them all without sideways scrolling, six or more
// across, the failing team's error and the silent team, Cyrillic names intact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';
import { browserMissing, launchBrowser, screenshot, type Browser } from './browser.ts';
import { startDashboardCli, type RunningDashboard } from './cli.ts';

const TEAMS = 32;
const SURNAMES = ['Иванов', 'Петрова', 'Сидоров', 'Кузнецова', 'Смирнов', 'Попова', 'Васильев', 'Соколова'];
const name = (i: number): string => `team-${String(i + 1).padStart(2, '0')}`;
const students = (i: number): string[] => [`${SURNAMES[i % 8]} ${String.fromCharCode(0x410 + (i % 32))}.${String.fromCharCode(0x410 + ((i * 7) % 32))}`];
const group = (i: number): string => `БАГ-18-0${1 + (i % 3)}`;
const mac = (i: number): string => `240ac4aa${String(i).padStart(4, '0')}`;

describe('dashboard at 32 boards on a 1366×768 projector', { skip: browserMissing() ?? false }, () => {
  let broker: TestBroker;
  let web: RunningDashboard;
  let browser: Browser;
  let page: Page;
  const boards: MqttClient[] = [];
  let timer: NodeJS.Timeout;

  before(async () => {
    broker = await startAedes();
    const dir = tempDir({
      'mpy-iot.json': {
        defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: broker.url }, telemetry: { intervalSeconds: 1 } },
        devices: Array.from({ length: TEAMS }, (_, i) => ({ name: name(i), board: i % 2 ? 'esp8266' : 'esp32', telemetry: { students: students(i), group: group(i), sensor: 'simulated' } })),
      },
    });
    web = await startDashboardCli([], dir);
    // Teams 0..29 healthy, 30 sends its temperature as text, 31 is silent.
    for (let i = 0; i < TEAMS - 1; i++) boards.push(await mqtt.connectAsync(broker.url, { clientId: `mpy-iot-${mac(i)}` }));
    let tick = 0;
    const send = (): void => {
      tick++;
      boards.forEach((b, i) => {
        const temperature = i === 30 ? `${20 + tick / 10}` : Math.round((20 + i / 4 + Math.sin(tick / 2 + i)) * 10) / 10;
        b.publish(`DATA/${mac(i)}`, JSON.stringify({ temperature, students: students(i), group: group(i) }));
      });
    };
    send();
    timer = setInterval(send, 1000);
    browser = await launchBrowser();
    page = await browser.open(web.url);
  });
  after(async () => {
    clearInterval(timer);
    await Promise.all(boards.map((b) => b.endAsync()));
    await browser?.close();
    await web?.stop();
    await broker?.stop();
  });

  test('all 32 cards, six or more across, no sideways scrolling, the failing and the silent team stand out', async () => {
    await page.waitForFunction((n) => document.querySelectorAll('#cards .card[data-presence="online"]').length === n, TEAMS - 1, { timeout: 20_000 });
    await page.waitForFunction(() => Number(document.querySelector('#class-chart')?.getAttribute('data-points')) >= 31 * 3, undefined, { timeout: 20_000 });
    assert.equal(await page.locator('#cards .card').count(), TEAMS);
    const layout = await page.evaluate(() => {
      const cards = [...document.querySelectorAll<HTMLElement>('#cards .card')];
      const tops = cards.map((c) => c.getBoundingClientRect().top);
      return {
        scrollWidth: document.documentElement.scrollWidth,
        perRow: tops.filter((t) => t === tops[0]).length,
        lastBottom: cards[cards.length - 1]!.getBoundingClientRect().bottom + window.scrollY,
        narrowest: Math.min(...cards.map((c) => c.getBoundingClientRect().width)),
      };
    });
    assert.ok(layout.scrollWidth <= 1366, `page is ${layout.scrollWidth} px wide`);
    assert.ok(layout.perRow >= 6, `${layout.perRow} cards per row`);
    assert.ok(layout.lastBottom <= 768 * 2, `the 32 cards end at ${layout.lastBottom} px: more than two screens`);
    assert.ok(layout.narrowest >= 200, `a card is only ${layout.narrowest} px wide`);
    const bad = page.locator('#cards .card[data-device="team-31"]');
    await page.waitForFunction(() => document.querySelector('#cards .card[data-device="team-31"]')?.classList.contains('failed'), undefined, { timeout: 10_000 });
    assert.match((await bad.locator('[data-f="line"]').textContent()) ?? '', /\/temperature must be number/);
    assert.match((await bad.locator('[data-f="stats"]').textContent()) ?? '', /[1-9]\d* invalid/);
    const silent = page.locator('#cards .card[data-device="team-32"]');
    assert.equal(await silent.getAttribute('data-presence'), 'silent');
    assert.match((await silent.locator('[data-f="line"]').textContent()) ?? '', /^nothing received/);
    assert.equal(await page.locator('#cards .card[data-device="team-05"] [data-f="students"]').textContent(), students(4).join(', '));
    assert.match((await page.locator('#totals').textContent()) ?? '', /32 boards.*31 online.*0 offline.*1 silent/);
    await screenshot(page, '4-thirty-two-boards');
  });
});
