// A broker URL typed on the command line (-b/--broker), checked before any connection is tried:
// mqtt.js would read `127.0.0.1:18901` as a scheme and a path, and talk MQTT to a web server.
import { InputError } from '../errors.ts';

/** The schemes mqtt.js connects with: TCP, TLS, and WebSocket (plain or secure). */
const MQTT_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss'];
const DEFAULT_PORT: Record<string, number> = { mqtt: 1883, mqtts: 8883 };

/** Returns the URL unchanged when it is one; else throws an InputError naming `option` and the fix. */
export function checkBrokerUrl(text: string, option: string): string {
  const shown = hidePassword(text.trim());
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text.trim())?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // host:port or a bare host: the scheme was left out.
    const withScheme = `mqtt://${shown.replace(/^[a-z][a-z0-9+.-]*:\/*(?=\D)/i, '')}`;
    throw new InputError(`${option}: '${shown}' has no scheme`, [], { hint: `did you mean ${option} ${withScheme}? (mqtt:// for TCP, mqtts:// for TLS, ws:// or wss:// for WebSocket)` });
  }
  if (!MQTT_SCHEMES.includes(scheme)) {
    const rest = shown.slice(scheme.length + 3).replace(/\/.*$/, '');
    throw new InputError(`${option}: '${shown}' is not an MQTT URL (${scheme}:// is not a way to reach a broker)`, [], { hint: `did you mean ${option} mqtt://${rest}? (mqtt:// for TCP, mqtts:// for TLS, ws:// or wss:// for WebSocket)` });
  }
  // Authority: optional user:password@, then the host (maybe [IPv6]), then an optional :port.
  const authority = /^[^:]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/.exec(text.trim())!;
  if (authority[1] === '') throw new InputError(`${option}: '${shown}' names no host`, [], { hint: `give the broker's address, e.g. ${option} ${scheme}://127.0.0.1:${DEFAULT_PORT[scheme] ?? 9001}` });
  const port = authority[2];
  if (port !== undefined && port !== '' && !isPort(port)) {
    const example = `${scheme}://${authority[1]}:${DEFAULT_PORT[scheme] ?? 9001}`;
    throw new InputError(`${option}: '${shown}' has port ${port}, which is not a TCP port (1-65535)`, [], { hint: `give the port the broker listens on, e.g. ${option} ${example}` });
  }
  try {
    new URL(text.trim());
  } catch (cause) {
    throw new InputError(`${option}: '${shown}' is not a valid URL`, [], { cause, hint: `write it like ${option} mqtt://127.0.0.1:1883` });
  }
  return text.trim();
}

function isPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** user:password@ → user:***@, so a refusal never prints the secret. */
function hidePassword(text: string): string {
  return text.replace(/^([^/]*\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}
