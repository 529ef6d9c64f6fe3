import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { imageOffset, loadBoards } from '../../tools/boards/index.ts';
import { InputError } from '../../tools/errors.ts';
import { packagePaths } from '../../tools/paths.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

test('every shipped profile loads and carries the documented facts', () => {
  const registry = loadBoards();
  assert.deepEqual(registry.boards.map((b) => b.id).sort(), ['esp32', 'esp32c3', 'esp32s3', 'esp8266']);
  const by = (id: string) => registry.find(id)!;
  assert.equal(imageOffset(by('esp32')), 0x1000);
  for (const id of ['esp8266', 'esp32s3', 'esp32c3']) assert.equal(imageOffset(by(id)), 0x0, id);
  assert.equal(by('esp32').temperature.source, 'raw_temperature_f');
  assert.equal(by('esp8266').temperature.source, null);
  assert.equal(by('esp32s3').temperature.source, 'mcu_temperature');
  assert.deepEqual(by('esp8266').tls.formats, ['der']);
  assert.equal(by('esp8266').watchdog.configurableTimeout, false);
  assert.ok(by('esp8266').heapBytes <= 40 * 1024);
  assert.ok(by('esp32c3').usb.some((u) => u.vid === '303a' && u.pid === '1001'));
});

test('aliases and suggestions', () => {
  const registry = loadBoards();
  assert.equal(registry.find('D1_MINI')?.id, 'esp8266');
  assert.equal(registry.find('esp32-s3')?.id, 'esp32s3');
  assert.equal(registry.suggest('esp23'), 'esp32');
  assert.equal(registry.suggest('esp8226'), 'esp8266');
  assert.equal(registry.suggest('raspberry'), undefined);
});

function copyOfBoards(): string {
  const dir = tempDir();
  for (const f of readdirSync(packagePaths.boards)) copyFileSync(path.join(packagePaths.boards, f), path.join(dir, f));
  return dir;
}

test('a broken profile fails with its file and JSON path', () => {
  const dir = copyOfBoards();
  const broken = JSON.parse(JSON.stringify({ ...loadBoards().find('esp32'), flash: { imageOffset: 4096 } }));
  writeFileSync(path.join(dir, 'esp32.json'), JSON.stringify(broken));
  assert.throws(() => loadBoards(dir), (error: unknown) => {
    assert.ok(error instanceof InputError);
    const issue = error.issues.find((i) => i.file?.endsWith('esp32.json') && i.path === 'flash.imageOffset');
    assert.ok(issue, JSON.stringify(error.issues));
    assert.match(issue.message, /must be string/);
    return true;
  });
});

test('a profile whose id differs from its file name, or whose alias clashes, is refused', () => {
  const dir = copyOfBoards();
  writeFileSync(path.join(dir, 'esp32c3.json'), JSON.stringify({ ...loadBoards().find('esp32c3'), aliases: ['nodemcu'] }));
  writeFileSync(path.join(dir, 'mine.json'), JSON.stringify({ ...loadBoards().find('esp32s3'), aliases: [] }));
  assert.throws(() => loadBoards(dir), (error: unknown) => {
    assert.ok(error instanceof InputError);
    const messages = error.issues.map((i) => `${path.basename(i.file ?? '')} ${i.path}: ${i.message}`).join('\n');
    assert.match(messages, /mine\.json id: must match the file name 'mine'/);
    assert.match(messages, /'nodemcu' is already used by board/);
    return true;
  });
});

test('mpy-iot boards lists the profiles as a table and as JSON', async () => {
  const text = await runCli(['boards'], { cwd: tempDir() });
  assert.equal(text.code, 0);
  assert.match(text.stdout, /esp8266\s+ESP8266\s+0x0\s+2 \(low\)\s+—/);
  assert.match(text.stdout, /esp32\s+ESP32\s+0x1000\s+2\s+raw_temperature \(°F\)/);
  const json = await runCli(['boards', '--json'], { cwd: tempDir() });
  assert.deepEqual(json.json<{ boards: { id: string }[] }>().boards.map((b) => b.id).sort(), ['esp32', 'esp32c3', 'esp32s3', 'esp8266']);
});
