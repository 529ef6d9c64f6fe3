// Temperature scenarios for the virtual sensors (esp32.raw_temperature/mcu_temperature, dht, ds18x20).

export const TEMPERATURE_SCENARIOS = ['room', 'heatwave', 'cold', 'spikes', 'failing'] as const;
export type TemperatureScenario = (typeof TEMPERATURE_SCENARIOS)[number];

/** Degrees Celsius at `elapsedMs` since the board started, or null when the sensor fails to read. */
export function temperatureAt(scenario: TemperatureScenario, elapsedMs: number, readCount: number): number | null {
  const t = elapsedMs / 1000;
  switch (scenario) {
    case 'room':
      return 22 + 0.8 * Math.sin(t / 30);
    case 'heatwave':
      return Math.min(45, 24 + t / 4);
    case 'cold':
      return -8 + 0.5 * Math.sin(t / 20);
    case 'spikes':
      // The ESP32's internal sensor famously reads 128 °F (53.3 °C) now and then.
      return readCount % 7 === 6 ? 53.3 : 22 + 0.8 * Math.sin(t / 30);
    case 'failing':
      return readCount % 3 === 2 ? null : 22;
  }
}
