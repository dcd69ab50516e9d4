/**
 * The inbox's HTTP interface, on node:http alone:
 *
 * | path                                 | GET / HEAD                                  | DELETE      |
 * | ------------------------------------ | ------------------------------------------- | ----------- |
 * | `/`                                  | the page                                    |             |
 * | `/api/messages`                      | the list, newest first                      | all of them |
 * | `/api/events`                        | live changes (Server-Sent Events)           |             |
 * | `/api/messages/:id`                  | one message: headers, text, attachments...  | that one    |
 * | `/api/messages/:id/raw`              | its source (`message/rfc822`, a download)   |             |
 * | `/api/messages/:id/html`             | its HTML, for the page's sandboxed frame    |             |
 * | `/api/messages/:id/attachments/:n`   | an attachment's exact bytes (a download)    |             |
 *
 * Before any route: a `Host` that is not loopback, or an `Origin` that is not the page's own,
 * is answered 403 (loopback-host.ts); a method other than GET, HEAD and DELETE 405.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ParsedMessage, parseMessage } from '../parsed-message.ts';
import { attachmentDisposition } from './content-disposition.ts';
import type { EventStream } from './event-stream.ts';
import type { InboxEntry } from './inbox-message.ts';
import { inlineCidImages } from './inline-images.ts';
import { isLoopbackHost, isOwnOrigin } from './loopback-host.ts';
import { safeMediaType } from './media-type.ts';
import { attachmentFileName, messageDetail } from './message-detail.ts';
import type { MessageStore } from './message-store.ts';
import type { InboxPage } from './page.ts';
import { COMMON_HEADERS, MESSAGE_HTML_HEADERS } from './security-headers.ts';

type Method = 'GET' | 'HEAD' | 'DELETE';

const METHODS: readonly Method[] = ['GET', 'HEAD', 'DELETE'];
const READ: readonly Method[] = ['GET', 'HEAD'];
const READ_DELETE: readonly Method[] = ['GET', 'HEAD', 'DELETE'];

/** One request, past the Host, Origin and method checks. */
interface Request {
  readonly method: Method;
  readonly response: ServerResponse;
  /** The `:id` of the path, percent-decoded. */
  readonly id: string;
  /** The `:n` of an attachment path. */
  readonly index: string;
}

interface Route {
  readonly methods: readonly Method[];
  handle(request: Request): Promise<void> | void;
}

/** What the routes work on. */
export interface InboxRouteContext {
  readonly store: MessageStore;
  readonly events: EventStream;
  readonly page: InboxPage;
}

function send(
  response: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string | Uint8Array = '',
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'Content-Length': String(bytes.byteLength),
  });
  // node:http sends no body for a HEAD request, with the Content-Length of the GET.
  response.end(bytes);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  send(
    response,
    status,
    { 'Content-Type': 'application/json; charset=utf-8' },
    JSON.stringify(value),
  );
}

function failure(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  send(
    response,
    status,
    { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    JSON.stringify({ error: message }),
  );
}

function noSuchMessage(response: ServerResponse): void {
  failure(response, 404, 'no such message');
}

/** The message and its parsed form; `undefined` once answered 404. */
async function parsedMessage(
  store: MessageStore,
  request: Request,
): Promise<{ entry: InboxEntry; parsed: ParsedMessage } | undefined> {
  const entry = store.get(request.id);
  const raw = entry === undefined ? undefined : await store.raw(request.id);
  if (entry === undefined || raw === undefined) {
    noSuchMessage(request.response);
    return undefined;
  }
  return { entry, parsed: await parseMessage(raw) };
}

function routesOf({ store, events, page }: InboxRouteContext) {
  const pageRoute: Route = {
    methods: READ,
    handle: ({ response }) =>
      send(
        response,
        200,
        { ...page.headers, 'Content-Type': 'text/html; charset=utf-8' },
        page.html,
      ),
  };
  const list: Route = {
    methods: READ_DELETE,
    async handle({ method, response }) {
      if (method === 'DELETE') {
        const deleted = await store.clear();
        json(response, 200, { deleted });
        return;
      }
      json(response, 200, store.list());
    },
  };
  const eventStream: Route = {
    methods: READ,
    handle({ method, response }) {
      if (method === 'HEAD') {
        send(response, 200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
        return;
      }
      if (!events.add(response, COMMON_HEADERS)) {
        failure(response, 503, 'too many open event streams', { 'Retry-After': '10' });
      }
    },
  };
  const message: Route = {
    methods: READ_DELETE,
    async handle(request) {
      if (request.method === 'DELETE') {
        if (await store.delete(request.id)) json(request.response, 200, { deleted: 1 });
        else noSuchMessage(request.response);
        return;
      }
      const found = await parsedMessage(store, request);
      if (found !== undefined)
        json(request.response, 200, messageDetail(found.entry, found.parsed));
    },
  };
  const raw: Route = {
    methods: READ,
    async handle({ id, response }) {
      const bytes = await store.raw(id);
      if (bytes === undefined) {
        noSuchMessage(response);
        return;
      }
      send(
        response,
        200,
        {
          'Content-Type': 'message/rfc822',
          'Content-Disposition': attachmentDisposition(`${id}.eml`),
        },
        bytes,
      );
    },
  };
  const html: Route = {
    methods: READ,
    async handle(request) {
      const found = await parsedMessage(store, request);
      if (found === undefined) return;
      if (found.parsed.html === undefined) {
        failure(request.response, 404, 'this message has no HTML body');
        return;
      }
      send(
        request.response,
        200,
        { ...MESSAGE_HTML_HEADERS, 'Content-Type': 'text/html; charset=utf-8' },
        inlineCidImages(found.parsed.html, found.parsed.attachments),
      );
    },
  };
  const attachment: Route = {
    methods: READ,
    async handle(request) {
      const found = await parsedMessage(store, request);
      if (found === undefined) return;
      const index = /^\d{1,6}$/.test(request.index) ? Number(request.index) : -1;
      const part = found.parsed.attachments[index];
      if (part === undefined) {
        failure(request.response, 404, 'no such attachment');
        return;
      }
      send(
        request.response,
        200,
        {
          'Content-Type': safeMediaType(part.contentType),
          'Content-Disposition': attachmentDisposition(attachmentFileName(part, index)),
        },
        part.content,
      );
    },
  };
  return { pageRoute, list, eventStream, message, raw, html, attachment };
}

/** The route of a path's segments (after the leading `/`), with its `:id` and `:n`. */
function match(
  routes: ReturnType<typeof routesOf>,
  segments: readonly string[],
): { route: Route; id: string; index: string } | undefined {
  const [first, second, id = '', sub, index = '', ...rest] = segments;
  if (segments.length === 1 && first === '') return { route: routes.pageRoute, id, index };
  if (first !== 'api' || rest.length > 0) return undefined;
  if (segments.length === 2) {
    if (second === 'messages') return { route: routes.list, id, index };
    if (second === 'events') return { route: routes.eventStream, id, index };
    return undefined;
  }
  if (second !== 'messages' || id === '') return undefined;
  if (segments.length === 3) return { route: routes.message, id, index };
  if (segments.length === 4 && sub === 'raw') return { route: routes.raw, id, index };
  if (segments.length === 4 && sub === 'html') return { route: routes.html, id, index };
  if (segments.length === 5 && sub === 'attachments')
    return { route: routes.attachment, id, index };
  return undefined;
}

/** Percent-decoded path segments of a request target; `undefined` when it is not a path. */
function segmentsOf(target: string): string[] | undefined {
  const path = target.split('?')[0] ?? '';
  if (!path.startsWith('/')) return undefined;
  try {
    return path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The request listener of the inbox's HTTP server. */
export function inboxRequestListener(
  context: InboxRouteContext,
): (request: IncomingMessage, response: ServerResponse) => void {
  const routes = routesOf(context);
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // Bodies are never read: no route takes one.
    request.resume();
    const host = request.headers.host;
    if (!isLoopbackHost(host)) {
      failure(response, 403, 'this inbox answers only to localhost, 127.0.0.1 and [::1]');
      return;
    }
    if (!isOwnOrigin(request.headers.origin, host)) {
      failure(response, 403, 'requests from other origins are refused');
      return;
    }
    const method = METHODS.find((known) => known === request.method);
    if (method === undefined) {
      failure(response, 405, 'only GET, HEAD and DELETE', { Allow: METHODS.join(', ') });
      return;
    }
    const segments = segmentsOf(request.url ?? '');
    const found = segments === undefined ? undefined : match(routes, segments);
    if (found === undefined) {
      failure(response, 404, 'not found');
      return;
    }
    if (!found.route.methods.includes(method)) {
      failure(response, 405, `only ${found.route.methods.join(', ')} here`, {
        Allow: found.route.methods.join(', '),
      });
      return;
    }
    await found.route.handle({ method, response, id: found.id, index: found.index });
  };
  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      failure(response, 500, error instanceof Error ? error.message : String(error));
    });
  };
}
