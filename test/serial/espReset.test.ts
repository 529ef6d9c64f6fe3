import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EspResetDecoder, type EspLines, type EspWiring } from '../../tools/serial/espReset.ts';

/**
 * Plays an esptool-style sequence (`D0|R1|W100…`, `|` or spaces between steps): each D/R step is
 * one line change, as esptool(-js) makes them; W advances the clock. Returns events as strings.
 */
function play(wiring: EspWiring, sequence: string, initial: EspLines = { dtr: false, rts: false }): string[] {
  const decoder = new EspResetDecoder({ wiring, initial });
  const lines = { ...initial };
  let now = 1000;
  const out: string[] = [];
  const record = (events: ReturnType<EspResetDecoder['update']>): void => {
    for (const e of events) out.push(e.type === 'reset' ? `reset:${e.bootMode}@${e.at - 1000}` : `hold@${e.at - 1000}`);
  };
  for (const token of sequence.split(/[|\s]+/).filter(Boolean)) {
    const value = Number(token.slice(1));
    if (token[0] === 'W') now += value;
    else if (token[0] === 'D') record(decoder.update(Object.assign(lines, { dtr: value === 1 }), now));
    else if (token[0] === 'R') record(decoder.update(Object.assign(lines, { rts: value === 1 }), now));
    else throw new Error(`bad token ${token}`);
  }
  record(decoder.poll(now + 1000));
  return out;
}

// The sequences as protocols.md §2 "Reset sequences" writes them.
const CLASSIC = 'D0|R1|W100|D1|R0|W50|D0';
const CLASSIC_SLOW = 'D0|R1|W100|D1|R0|W550|D0';
const USB_JTAG = 'R0 D0 W100 | D1 R0 W100 | R1 D0 R1 W100 | R0 D0';
const HARD_RESET = 'R1|W100|R0';

describe('EspResetDecoder', () => {
  it('classic reset → download mode, from a closed port and from a freshly opened one (both lines asserted)', () => {
    assert.deepEqual(play('classic', CLASSIC), ['hold@0', 'reset:download@100']);
    assert.deepEqual(play('classic', CLASSIC, { dtr: true, rts: true }), ['hold@0', 'reset:download@100']);
    assert.deepEqual(play('classic', CLASSIC_SLOW), ['hold@0', 'reset:download@100']);
  });

  it('a plain RTS pulse is a hard reset into the app', () => {
    assert.deepEqual(play('classic', HARD_RESET), ['hold@0', 'reset:normal@100']);
    assert.deepEqual(play('usb-jtag-serial', HARD_RESET), ['hold@0', 'reset:normal@100']);
  });

  it('USB-JTAG-Serial sequence → download mode on the USB-Serial/JTAG controller', () => {
    assert.deepEqual(play('usb-jtag-serial', USB_JTAG), ['hold@200', 'reset:download@300']);
    assert.deepEqual(play('usb-jtag-serial', USB_JTAG, { dtr: true, rts: true }), ['hold@200', 'reset:download@300']);
    // esptool's own order at the end (D0 before R0) decodes the same.
    assert.deepEqual(play('usb-jtag-serial', 'R0 D0 W100 D1 R0 W100 R1 D0 R1 W100 D0 R0'), ['hold@200', 'reset:download@300']);
  });

  it('passing through dtr=rts=false before the reset cancels the download request (USB-JTAG)', () => {
    assert.deepEqual(play('usb-jtag-serial', 'D1 R0 W100 D0 R0 W10 R1 W100 R0'), ['hold@110', 'reset:normal@210']);
  });

  it('classic: IO0 going low after the strap window is too late', () => {
    assert.deepEqual(play('classic', 'D0|R1|W100|D1|W50|R0|D0'), ['hold@0', 'reset:normal@100']);
  });

  it('both lines in one change never reset; one at a time passes through a reset (why setSignals sets both)', () => {
    const decoder = new EspResetDecoder();
    assert.deepEqual(decoder.update({ dtr: true, rts: true }, 0), [], 'opening a port asserts both');
    assert.deepEqual(decoder.update({ dtr: false, rts: false }, 5), [], 'closing with hupcl releases both');
    assert.deepEqual(play('classic', 'D1 R1 W10 D0 R0'), ['hold@10', 'reset:normal@10']);
  });

  it('exposes the deadline for a pending classic release, decided by poll', () => {
    const decoder = new EspResetDecoder({ strapWindowMs: 10 });
    decoder.update({ dtr: false, rts: true }, 0);
    assert.equal(decoder.held, true);
    assert.deepEqual(decoder.update({ dtr: false, rts: false }, 100), []);
    assert.equal(decoder.deadline, 110);
    assert.deepEqual(decoder.poll(105), []);
    assert.deepEqual(decoder.poll(110), [{ type: 'reset', at: 100, bootMode: 'normal' }]);
    assert.equal(decoder.deadline, undefined);
  });
});
