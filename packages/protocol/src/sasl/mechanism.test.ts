import { describe, expect, it } from 'vitest';
import { SaslError, type SaslErrorCode } from '../errors.ts';
import {
  defineMechanism,
  MAX_SASL_ROUNDS,
  type MechanismDefinition,
  SASL_MECHANISMS,
} from './mechanism.ts';

const saslError = (code: SaslErrorCode) => expect.objectContaining({ name: 'SaslError', code });
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A mechanism that echoes every challenge back upper-cased, for up to `maxChallenges`. */
function echo(overrides: Partial<MechanismDefinition> = {}) {
  return defineMechanism({
    name: 'PLAIN',
    maxChallenges: 2,
    initialResponse: () => new TextEncoder().encode('hello'),
    respond: (challenge) =>
      new TextEncoder().encode(Buffer.from(challenge).toString().toUpperCase()),
    ...overrides,
  });
}

describe('SASL_MECHANISMS', () => {
  it('lists the strongest mechanism first and LOGIN last', () => {
    expect(SASL_MECHANISMS[0]).toBe('SCRAM-SHA-256');
    expect(SASL_MECHANISMS.at(-1)).toBe('LOGIN');
    expect(new Set(SASL_MECHANISMS).size).toBe(SASL_MECHANISMS.length);
  });
});

describe('defineMechanism', () => {
  it('base64-encodes the initial response and each response', () => {
    const mechanism = echo();
    expect(mechanism.start()).toBe(b64('hello'));
    expect(mechanism.step(b64('abc'))).toBe(b64('ABC'));
    expect(mechanism.step(b64('def'))).toBe(b64('DEF'));
    mechanism.finish();
  });

  it('sends "=" for an empty initial response (RFC 4954 section 4)', () => {
    expect(echo({ initialResponse: () => new Uint8Array(0) }).start()).toBe('=');
  });

  it('returns undefined when the server speaks first', () => {
    expect(echo({ initialResponse: () => undefined }).start()).toBeUndefined();
  });

  it('answers an empty response as an empty line', () => {
    const mechanism = echo({ respond: () => new Uint8Array(0) });
    mechanism.start();
    expect(mechanism.step('')).toBe('');
  });

  it('refuses one challenge more than the mechanism answers', () => {
    const mechanism = echo();
    mechanism.start();
    mechanism.step(b64('1'));
    mechanism.step(b64('2'));
    expect(() => mechanism.step(b64('3'))).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it(`caps every mechanism at ${MAX_SASL_ROUNDS} challenges (INV-8)`, () => {
    const mechanism = echo({ maxChallenges: 100 });
    mechanism.start();
    for (let round = 1; round <= MAX_SASL_ROUNDS; round++) mechanism.step(b64(`${round}`));
    expect(() => mechanism.step(b64('again'))).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it('treats a mechanism without respond as answering no challenge', () => {
    const { respond: _unused, ...rest } = {
      name: 'PLAIN' as const,
      maxChallenges: 3,
      initialResponse: () => new Uint8Array(1),
      respond: () => new Uint8Array(0),
    };
    const mechanism = defineMechanism(rest);
    mechanism.start();
    expect(() => mechanism.step('')).toThrow(saslError('SMTP_SASL_TOO_MANY_ROUNDS'));
  });

  it('refuses a challenge that is not base64', () => {
    const mechanism = echo();
    mechanism.start();
    expect(() => mechanism.step('not base64!')).toThrow(saslError('SMTP_SASL_MALFORMED_CHALLENGE'));
  });

  it.each([
    ['step before start', (m: ReturnType<typeof echo>) => m.step('')],
    ['finish before start', (m: ReturnType<typeof echo>) => m.finish()],
    [
      'start twice',
      (m: ReturnType<typeof echo>) => {
        m.start();
        m.start();
      },
    ],
    [
      'step after finish',
      (m: ReturnType<typeof echo>) => {
        m.start();
        m.finish();
        m.step('');
      },
    ],
    [
      'finish twice',
      (m: ReturnType<typeof echo>) => {
        m.start();
        m.finish();
        m.finish();
      },
    ],
  ])('refuses %s with SMTP_SASL_STATE', (_title, misuse) => {
    expect(() => misuse(echo())).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('stays failed after any error, and says so', () => {
    const mechanism = echo();
    mechanism.start();
    expect(() => mechanism.step('***')).toThrow(SaslError);
    expect(() => mechanism.step(b64('ok'))).toThrow(/already failed/);
    expect(() => mechanism.finish()).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('fails for good when a misuse is refused', () => {
    const mechanism = echo();
    expect(() => mechanism.finish()).toThrow(/start\(\) has not been called/);
    expect(() => mechanism.start()).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('fails for good when the initial response cannot be built', () => {
    const mechanism = echo({
      initialResponse: () => {
        throw new SaslError('SMTP_SASL_INVALID_CREDENTIALS', 'no');
      },
    });
    expect(() => mechanism.start()).toThrow(saslError('SMTP_SASL_INVALID_CREDENTIALS'));
    expect(() => mechanism.step('')).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('fails for good when success cannot be verified', () => {
    const mechanism = echo({
      verifySuccess: () => {
        throw new SaslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH', 'unproven');
      },
    });
    mechanism.start();
    expect(() => mechanism.finish()).toThrow(saslError('SMTP_SASL_SERVER_SIGNATURE_MISMATCH'));
    expect(() => mechanism.finish()).toThrow(saslError('SMTP_SASL_STATE'));
  });

  it('returns a frozen object whose methods work detached', () => {
    const mechanism = echo();
    expect(Object.isFrozen(mechanism)).toBe(true);
    const { start, step } = mechanism;
    start();
    expect(step(b64('x'))).toBe(b64('X'));
  });
});
