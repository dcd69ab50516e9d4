import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_SCHEME_LIST,
  checkPortFor,
  resolveScheme,
  SMTP_SCHEMES,
  type SmtpScheme,
} from './scheme-table.ts';

describe('SMTP_SCHEMES', () => {
  it.each([
    ['smtp', 25, 'opportunistic', 'smtp'],
    ['smtps', 465, 'implicit', 'smtp'],
    ['smtptls', 25, 'starttls', 'smtp'],
    ['esmtp', 587, 'opportunistic', 'smtp'],
    ['esmtps', 465, 'implicit', 'smtp'],
    ['esmtptls', 587, 'starttls', 'smtp'],
    ['lmtp', 24, 'opportunistic', 'lmtp'],
    ['estmps', 465, 'implicit', 'smtp'],
  ] as const)(
    'gives %s the default port %i, security %s and protocol %s',
    (scheme, port, security, protocol) => {
      expect(SMTP_SCHEMES[scheme].defaultPort).toBe(port);
      expect(SMTP_SCHEMES[scheme].security).toBe(security);
      expect(SMTP_SCHEMES[scheme].protocol).toBe(protocol);
      expect(SMTP_SCHEMES[scheme].description).not.toBe('');
    },
  );

  it('lists exactly the seven schemes and one alias, in display order', () => {
    expect(Object.keys(SMTP_SCHEMES)).toEqual([
      'smtp',
      'smtps',
      'smtptls',
      'esmtp',
      'esmtps',
      'esmtptls',
      'lmtp',
      'estmps',
    ]);
    expect(ACCEPTED_SCHEME_LIST).toBe(
      'smtp, smtps, smtptls, esmtp, esmtps, esmtptls, lmtp, estmps',
    );
  });

  it('speaks LMTP under lmtp only, never on the SMTP port', () => {
    const lmtp = Object.entries(SMTP_SCHEMES).filter(([, info]) => info.protocol === 'lmtp');
    expect(lmtp.map(([scheme]) => scheme)).toEqual(['lmtp']);
    expect(SMTP_SCHEMES.lmtp.defaultPort).not.toBe(25);
    expect(() => checkPortFor('lmtp', 25)).toThrow(
      expect.objectContaining({ code: 'SMTP_URL_INVALID_PORT' }),
    );
    expect(() => checkPortFor('lmtp', 24)).not.toThrow();
    expect(() => checkPortFor('smtp', 25)).not.toThrow();
  });

  it('marks estmps, and only estmps, as an alias of esmtps', () => {
    const aliases = Object.entries(SMTP_SCHEMES).filter(([, info]) => 'aliasOf' in info);
    expect(aliases).toEqual([['estmps', expect.objectContaining({ aliasOf: 'esmtps' })]]);
  });

  it('is frozen at every level', () => {
    expect(Object.isFrozen(SMTP_SCHEMES)).toBe(true);
    for (const info of Object.values(SMTP_SCHEMES)) expect(Object.isFrozen(info)).toBe(true);
  });
});

describe('resolveScheme', () => {
  it.each<[string, SmtpScheme]>([
    ['smtp', 'smtp'],
    ['SMTP', 'smtp'],
    ['SmTpS', 'smtps'],
    ['SMTPTLS', 'smtptls'],
    ['Esmtp', 'esmtp'],
    ['ESMTPS', 'esmtps'],
    ['eSmTpTlS', 'esmtptls'],
    ['estmps', 'esmtps'],
    ['ESTMPS', 'esmtps'],
    ['LMTP', 'lmtp'],
  ])('resolves %s to %s', (name, scheme) => {
    expect(resolveScheme(name)).toBe(scheme);
  });

  it.each(['http', 'smtp+tls', '', 'constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'knows nothing of %j, even when Object.prototype has it',
    (name) => {
      expect(resolveScheme(name)).toBeUndefined();
    },
  );
});
