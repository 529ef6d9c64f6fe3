export interface CpuTime {
  read(): number;
  close(): void;
}
export declare function openCpuTime(file: string): CpuTime | null;
export declare function cpuClockDisabled(): boolean;
