// What to tell a user whose board does not show up or cannot be opened. Library code returns
// these lines; the CLI prints them.

/** Hints for "no serial ports" or "cannot list ports", most likely cause first. */
export function noPortsHints(platform: NodeJS.Platform = process.platform): string[] {
  const hints = [
    'Use a data USB cable: many cables are charge-only, and the board then never appears as a port.',
    'Try another USB port or hub; the board LED should light up when it is plugged in.',
  ];
  if (platform === 'win32') {
    hints.push(
      'Install the USB-serial driver for the chip on the board: Silicon Labs CP210x VCP, or WCH CH340/CH9102; then look under "Ports (COM & LPT)" in Device Manager.',
    );
  } else if (platform === 'darwin') {
    hints.push(
      'CP210x and CH340/CH9102 boards appear as /dev/cu.usbserial-* or /dev/cu.wchusbserial-*; older macOS needs the Silicon Labs or WCH driver.',
    );
  } else {
    hints.push(
      'Boards appear as /dev/ttyUSB* (CP210x, CH340, FTDI) or /dev/ttyACM* (ESP32-C3/S3 native USB); `dmesg -w` shows what happens when you plug the board in.',
      'On Ubuntu 22.04 and later, brltty claims CH340 adapters as braille displays: `sudo apt remove brltty`.',
      permissionHint(platform),
    );
  }
  hints.push('ESP32-C3/S3 boards on native USB: hold BOOT while plugging in if the running firmware disabled USB.');
  return hints;
}

/** For "permission denied" when opening a port. */
export function permissionHint(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'Close other programs using the COM port, or run the terminal as the same user that installed the driver.';
  if (platform === 'darwin') return 'Check that no other program holds the port (`lsof | grep usbserial`).';
  return 'Add yourself to the group that owns the port (`ls -l /dev/ttyUSB0`; usually dialout, uucp on Arch): `sudo usermod -aG dialout $USER`, then log out and back in.';
}

/** For "port busy/locked". */
export function busyHint(path: string): string {
  return `Another program has ${path} open (a serial monitor, the Arduino IDE, screen, another mpy-iot): close it and retry.`;
}

/** For "cannot list ports" because the platform's lister is missing (udevadm in a container without udev). */
export function listUnavailableHint(): string {
  return 'Listing needs udev (`udevadm`), which this system lacks (a container?); name the port directly, e.g. --port /dev/ttyUSB0.';
}
