// The virtual access point a board's network.WLAN talks to.

export type WifiStatus = 'IDLE' | 'CONNECTING' | 'GOT_IP' | 'WRONG_PASSWORD' | 'NO_AP_FOUND';

export interface AccessPoint {
  ssid: string;
  /** null: any password is accepted. */
  password: string | null;
}

export class VirtualWifi {
  private attempt: { ssid: string; password: string; at: number } | null = null;
  private inRange = true;
  private joined = false;

  constructor(
    private readonly ap: AccessPoint | null,
    private readonly connectDelayMs: number,
    readonly ip: string,
  ) {}

  connect(ssid: string, password: string, now = Date.now()): void {
    this.attempt = { ssid, password, at: now };
    this.joined = false;
  }

  disconnect(): void {
    this.attempt = null;
    this.joined = false;
  }

  /** Wi-Fi loss (out of range); `restore` brings the AP back and the station rejoins by itself. */
  drop(): void {
    this.inRange = false;
  }

  restore(now = Date.now()): void {
    this.inRange = true;
    if (this.attempt && this.joined) this.attempt.at = now;
  }

  get up(): boolean {
    return this.inRange;
  }

  status(now = Date.now()): WifiStatus {
    if (!this.attempt) return 'IDLE';
    if (now - this.attempt.at < this.connectDelayMs) return 'CONNECTING';
    if (!this.inRange || (this.ap && this.ap.ssid !== this.attempt.ssid)) return 'NO_AP_FOUND';
    if (this.ap && this.ap.password !== null && this.ap.password !== this.attempt.password) return 'WRONG_PASSWORD';
    this.joined = true;
    return 'GOT_IP';
  }

  get essid(): string {
    return this.attempt?.ssid ?? '';
  }

  rssi(now = Date.now()): number {
    // A plausible, slowly varying signal around -58 dBm.
    return Math.round(-58 + 4 * Math.sin(now / 7000));
  }
}
