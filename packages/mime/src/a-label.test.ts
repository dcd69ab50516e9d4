import { describe, expect, it } from 'vitest';
import { A_LABEL_PREFIX, checkALabel } from './a-label.ts';
import { PunycodeError } from './punycode.ts';

/** The runtime's IDNA, as the packages call it: a label alone as the host of a URL. */
function idnaToAscii(label: string): string {
  return new URL(`http://${label}/`).hostname;
}

/** What the test's `fail` makes: the reason, and the cause it was given. */
class Refused extends Error {
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.reason = reason;
  }
}

const fail = (reason: string, options?: ErrorOptions) => new Refused(reason, options);

function refusal(label: string, toAscii = idnaToAscii): Refused {
  try {
    checkALabel(label, toAscii, fail);
  } catch (error) {
    expect(error).toBeInstanceOf(Refused);
    return error as Refused;
  }
  throw new Error(`expected ${label} to be refused`);
}

describe('A_LABEL_PREFIX', () => {
  it.each(['xn--a', 'XN--a', 'Xn--', 'xN--bcher-kva'])('matches %j', (label) => {
    expect(A_LABEL_PREFIX.test(label)).toBe(true);
  });

  it.each(['xn-a', 'axn--b', 'xn', 'bücher'])('does not match %j', (label) => {
    expect(A_LABEL_PREFIX.test(label)).toBe(false);
  });
});

describe('checkALabel', () => {
  it.each([
    'xn--bcher-kva',
    'XN--BCHER-KVA',
    'xn--mnchen-3ya',
    'xn--e1afmkfd',
    'xn--p1ai',
    'xn--wgv71a119e',
    'xn--r8jz45g',
    'xn--zckzah',
    'xn--zca',
    'xn--hxargifdar',
    // Cherokee: IDNA keeps the capital letters and maps the small ones to them, unlike
    // toLowerCase(), which is why the U-label is checked by IDNA rather than lower-cased here.
    'xn--f9dt7l',
    // "-ü": the U-label may start with a hyphen, the A-label still starts with "xn".
    'xn----eha',
    // 63 octets, the longest label.
    `xn--${'a'.repeat(55)}-8yf`,
  ])('accepts %j', (label) => {
    expect(() => checkALabel(label, idnaToAscii, fail)).not.toThrow();
  });

  it('never hands an xn-- label to the IDNA conversion, only the decoded U-label', () => {
    const seen: string[] = [];
    checkALabel(
      'xn--bcher-kva',
      (label) => {
        seen.push(label);
        return idnaToAscii(label);
      },
      fail,
    );
    expect(seen).toEqual(['bücher']);
  });

  it.each([
    [`xn--${'a'.repeat(56)}-8yf`, 'longer than 63 octets'],
    ['xn--abc-9', 'not Punycode'],
    ['xn--ü', 'not Punycode'],
    ['xn--', 'decodes to plain ASCII'],
    ['xn--abc-', 'decodes to plain ASCII'],
    ['xn--a_b-joa', 'other than letters, digits and hyphens'],
    // Three C1 controls: the label Node 24's URL parser lets through.
    ['xn--abc', 'not a valid U-label'],
    // "a⒈", which IDNA maps to "a1." and refuses.
    ['xn--a-ecp', 'not a valid U-label'],
    // Capital Ü, which IDNA writes as xn--tda (ü).
    ['xn--wca', 'maps it to another label'],
    // u and a combining diaeresis: not NFC.
    ['xn--u-ccb', 'maps it to another label'],
    // A soft hyphen, which IDNA drops.
    ['xn--kba2n', 'maps it to another label'],
    // Small Cherokee letters, which IDNA maps to the capitals of xn--f9dt7l.
    ['xn--tz9ata7l', 'maps it to another label'],
  ])('refuses %j: %s', (label, reason) => {
    expect(refusal(label).reason).toContain(reason);
  });

  it('keeps the Punycode error and the IDNA error as the cause', () => {
    expect(refusal('xn--abc-9').cause).toBeInstanceOf(PunycodeError);
    expect(refusal('xn--abc').cause).toBeInstanceOf(TypeError);
    const cause = new Error('refused');
    expect(
      refusal('xn--bcher-kva', () => {
        throw cause;
      }).cause,
    ).toBe(cause);
  });

  it('compares what IDNA writes with the label in lower case', () => {
    expect(refusal('xn--bcher-kva', () => 'xn--bcher-kvb').reason).toContain('another label');
    expect(() => checkALabel('Xn--Bcher-Kva', () => 'xn--bcher-kva', fail)).not.toThrow();
  });

  it('never quotes the label in a reason', () => {
    expect(refusal('xn--secret-9').reason).not.toContain('secret');
    expect(refusal('xn--secret').reason).not.toContain('secret');
  });
});
