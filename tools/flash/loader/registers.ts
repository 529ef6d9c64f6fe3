// The register file behind READ_REG / WRITE_REG: fixed chip registers (magic, efuses), a live
// UART_CLKDIV, and just enough of the SPI controller for esptool-js's runSpiflashCommand (RDID).
import { jedecId, type ChipFacts } from './chips.ts';

const SPI_CMD_USR = 1 << 18;
const SPIFLASH_RDID = 0x9f;

export class RegisterFile {
  private readonly values: Map<number, number>;

  constructor(
    private readonly facts: ChipFacts,
    mac: Uint8Array,
    private readonly flashSize: number,
    /** The chip's UART speed now (UART_CLKDIV follows it). */
    private readonly uartBaud: () => number,
  ) {
    this.values = facts.registers(mac);
  }

  read(address: number): number {
    const clk = this.facts.uartClkDiv;
    if (clk && address === clk.reg) return Math.floor(clk.clockHz / this.uartBaud()) & 0xfffff;
    return this.values.get(address >>> 0) ?? 0;
  }

  write(address: number, value: number, mask = 0xffffffff): void {
    const old = this.read(address);
    const next = ((old & ~mask) | (value & mask)) >>> 0;
    this.values.set(address >>> 0, next);
    if (address === this.facts.spi.cmd && next & SPI_CMD_USR) this.runSpiCommand();
  }

  /** SPI "user command": the command byte sits in USR2's low bits; MISO lands in W0; USR clears when done. */
  private runSpiCommand(): void {
    const spi = this.facts.spi;
    const command = (this.values.get(spi.usr2) ?? 0) & 0xff;
    this.values.set(spi.w0, command === SPIFLASH_RDID ? jedecId(this.flashSize) : 0);
    this.values.set(spi.cmd, (this.values.get(spi.cmd) ?? 0) & ~SPI_CMD_USR);
  }
}
