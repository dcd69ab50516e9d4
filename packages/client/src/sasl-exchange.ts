/**
 * The AUTH exchange (RFC 4954 section 4) with one SASL mechanism: the initial response on the
 * AUTH line when it fits (else after the empty `334`), one response per challenge, at most
 * `MAX_AUTH_ROUNDS` challenges (INV-8), `*` to cancel when the mechanism cannot answer.
 *
 * Every payload is registered as a secret before it is written (INV-10), and every line the
 * client writes here is marked sensitive, so logs show `AUTH PLAIN <redacted>` and `<redacted>`.
 * A refusal is an `AuthError` carrying the server's reply and, for the OAuth mechanisms, the
 * error the server sent in its challenge (status, scope), decoded and sanitised.
 */
import {
  canSendInitialResponse,
  encodeAuth,
  encodeSaslCancel,
  encodeSaslResponse,
  SaslError,
} from '@smtp/protocol';
import type { ClientMechanism } from './auth.ts';
import { AuthError, type ReplyInfo } from './errors.ts';
import { MAX_AUTH_ROUNDS } from './policy.ts';
import type { Secrets } from './redact.ts';
import { describeReply, toReplyInfo } from './reply-info.ts';
import type { Wait } from './wait.ts';
import type { Wire } from './wire.ts';

/** Runs the exchange; resolves once the server accepted (`235`) and the mechanism agreed. */
export async function authenticate(
  wire: Wire,
  mechanism: ClientMechanism,
  wait: Wait,
  secrets: Secrets,
): Promise<void> {
  const name = mechanism.name;
  let initial: string | undefined;
  try {
    initial = mechanism.start();
  } catch (error) {
    throw authFailure(mechanism, undefined, error, secrets);
  }
  if (initial !== undefined) secrets.addPayload(initial);
  let pendingInitial: string | undefined;
  if (initial !== undefined && canSendInitialResponse(name, initial)) {
    await wire.write(encodeAuth(name, initial), wait, true);
  } else {
    await wire.write(encodeAuth(name), wait, true);
    pendingInitial = initial;
  }
  let rounds = 0;
  for (;;) {
    const reply = await wire.read('AUTH', wait);
    if (reply.code === 235) {
      try {
        mechanism.finish();
      } catch (error) {
        throw authFailure(mechanism, toReplyInfo(reply, 'AUTH', secrets), error, secrets);
      }
      return;
    }
    if (reply.code !== 334) {
      throw authFailure(mechanism, toReplyInfo(reply, 'AUTH', secrets), undefined, secrets);
    }
    let response: string;
    if (pendingInitial !== undefined) {
      // The initial response that did not fit on the AUTH line answers the empty 334.
      response = pendingInitial === '=' ? '' : pendingInitial;
      pendingInitial = undefined;
    } else {
      rounds++;
      try {
        if (rounds > MAX_AUTH_ROUNDS) {
          throw new SaslError(
            'SMTP_SASL_TOO_MANY_ROUNDS',
            `The server sent more than ${MAX_AUTH_ROUNDS} AUTH challenges`,
          );
        }
        response = mechanism.step(reply.lines[0] ?? '');
      } catch (error) {
        await cancel(wire, wait);
        throw error instanceof SaslError
          ? error
          : authFailure(mechanism, undefined, error, secrets);
      }
    }
    if (response !== '') secrets.addPayload(response);
    await wire.write(encodeSaslResponse(response), wait, true);
  }
}

/**
 * `*`: abandons the exchange; the server's 501 is read so the dialogue stays in step. A failure
 * here drops the connection: the reason to report is the one that led to the cancel.
 */
async function cancel(wire: Wire, wait: Wait): Promise<void> {
  try {
    await wire.write(encodeSaslCancel(), wait, true);
    await wire.read('AUTH', wait);
  } catch {
    wire.connection.destroy();
  }
}

/**
 * The `AuthError` for a failed exchange: the reply when there is one, and the error an OAuth
 * server explained in its last challenge (RFC 7628 section 3.2.2), both sanitised and scrubbed.
 */
function authFailure(
  mechanism: ClientMechanism,
  reply: ReplyInfo | undefined,
  error: unknown,
  secrets: Secrets,
): AuthError {
  const name = mechanism.name;
  const oauth = mechanism.serverError;
  const parts: string[] = [];
  if (reply !== undefined) parts.push(describeReply(reply));
  if (error instanceof Error) parts.push(error.message);
  if (oauth?.status !== undefined) parts.push(`status ${oauth.status}`);
  if (oauth?.scope !== undefined) parts.push(`scope ${oauth.scope}`);
  const why = parts.length === 0 ? 'the mechanism failed' : parts.join('; ');
  return new AuthError(
    name,
    reply,
    secrets.scrub(`Authentication with ${name} failed: ${why}`),
    error === undefined ? { oauthError: oauth } : { cause: error, oauthError: oauth },
  );
}
