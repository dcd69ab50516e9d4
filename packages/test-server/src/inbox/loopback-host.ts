/**
 * Which requests the inbox answers. It listens on loopback only, but a web page elsewhere can
 * still reach it through the browser: by DNS rebinding (a name of the attacker's that resolves to
 * 127.0.0.1 after the page loaded, which makes the inbox same-origin with that page), or by
 * sending requests from its own origin. The `Host` header gives the first away (it carries the
 * attacker's name), the `Origin` header the second.
 */

/** The names of loopback a browser sends in `Host`: never resolved through DNS, so not rebindable. */
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `name` or `name:port`, with IPv6 addresses in brackets as `Host` carries them. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/;

/** Whether a `Host` header names loopback: `localhost`, `127.0.0.1` or `[::1]`, any port. */
export function isLoopbackHost(host: string | undefined): host is string {
  const name = HOST_HEADER.exec((host ?? '').toLowerCase())?.[1];
  return name !== undefined && LOOPBACK_NAMES.has(name);
}

/**
 * Whether a request comes from the inbox's own page: no `Origin` (a navigation, or a same-origin
 * GET), or exactly the origin the `Host` header names. `null` (a sandboxed frame, such as the
 * message's own HTML) and every other origin, other local servers included, are refused.
 */
export function isOwnOrigin(origin: string | undefined, host: string): boolean {
  return origin === undefined || origin.toLowerCase() === `http://${host.toLowerCase()}`;
}
