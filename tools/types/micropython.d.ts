declare module '@micropython/micropython-webassembly-pyscript' {
  export interface LoadOptions {
    heapsize?: number;
    pystack?: number;
    linebuffer?: boolean;
    url?: string;
    stdin?: () => number | null;
    stdout?: (data: string) => void;
    stderr?: (data: string) => void;
  }
  export interface MicroPythonInstance {
    FS: unknown;
    runPython(code: string): unknown;
    runPythonAsync(code: string): Promise<unknown>;
    registerJsModule(name: string, module: object): void;
    pyimport(name: string): unknown;
    globals: { get(key: string): unknown; set(key: string, value: unknown): void };
    replInit(): void;
    replProcessChar(chr: number): number;
  }
  export function loadMicroPython(options?: LoadOptions): Promise<MicroPythonInstance>;
}
