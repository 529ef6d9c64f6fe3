// Regenerates the README's screenshot: `mpy-iot demo --dashboard` with its three live boards,
// photographed in Debian's chromium at projector size after a few seconds of telemetry.
// Run: node --import tsx test/dashboard/readme-screenshot.ts
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.ts';

const target = fileURLToPath(new URL('../../tools/dashboard/screenshot.png', import.meta.url));
const bin = fileURLToPath(new URL('../../tools/cli/bin.mjs', import.meta.url));
const demo = spawn(process.execPath, [bin, 'demo', '--dashboard', '0', '--duration', '8s'], { stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise<string>((resolve, reject) => {
  let text = '';
  demo.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const found = /dashboard on (http:\/\/\S+)/.exec(text);
    if (found) resolve(found[1]!);
  });
  demo.once('exit', (code) => reject(new Error(`demo exited ${code}: ${text}`)));
});
const browser = await launchBrowser();
try {
  const page = await browser.open(url);
  // The demo pings team-1 and sends RESULT half-way; the shot is taken after it has printed its verdict.
  await page.waitForFunction(() => document.querySelectorAll('#cards .card[data-presence="online"]').length === 3, undefined, { timeout: 60_000 });
  await page.waitForTimeout(14_000);
  await page.locator('.card[data-device="team-1"] button[data-action="ping"]').click();
  await page.locator('.card[data-device="team-1"] .outcome.ok').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: target });
  console.log(`wrote ${target}`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
