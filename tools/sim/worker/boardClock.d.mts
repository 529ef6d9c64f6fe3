export interface CpuTime {
  read(): number;
  close(): void;
}
export declare function openCpuTime(file: string): CpuTime | null;
export declare function cpuClockDisabled(): boolean;
export interface BoardClock {
  tid: number | null;
  now(): number;
  stamp(): number;
  waited(since: number, askedMs: number): void;
  callPosted(): void;
  callAnswered(since: number): void;
  hung(ms: number): void;
  breakdown(): { boardMs: number; cpuMs: number | null; waitedMs: number; stalledMs: number };
}
export declare function createBoardClock(host: {
  ctrl: Int32Array;
  slots: { callStarted: number; callEnded: number };
  hostClock: { sab: SharedArrayBuffer; epoch: number; tickMs: number };
  onStall: (ms: number, during: string) => void;
}): BoardClock;
export declare function hostTime(lag: Int32Array, epoch: number, tickMs: number): number;
