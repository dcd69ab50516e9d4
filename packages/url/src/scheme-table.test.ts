import { describe, expect, it } from 'vitest';
import {
  ACCEPTED_SCHEME_LIST,
  resolveScheme,
  SMTP_SCHEMES,
  type SmtpScheme,
} from './scheme-table.ts';

describe('SMTP_SCHEMES', () => {
  it.each([
    ['smtp', 25, 'opportunistic'],
    ['smtps', 465, 'implicit'],
    ['smtptls', 25, 'starttls'],
    ['esmtp', 587, 'opportunistic'],
    ['esmtps', 465, 'implicit'],
    ['esmtptls', 587, 'starttls'],
    ['estmps', 465, 'implicit'],
  ] as const)('gives %s the default port %i and security %s', (scheme, port, security) => {
    expect(SMTP_SCHEMES[scheme].defaultPort).toBe(port);
    expect(SMTP_SCHEMES[scheme].security).toBe(security);
    expect(SMTP_SCHEMES[scheme].description).not.toBe('');
  });

  it('lists exactly the six schemes and one alias, in display order', () => {
    expect(Object.keys(SMTP_SCHEMES)).toEqual([
      'smtp',
      'smtps',
      'smtptls',
      'esmtp',
      'esmtps',
      'esmtptls',
      'estmps',
    ]);
    expect(ACCEPTED_SCHEME_LIST).toBe('smtp, smtps, smtptls, esmtp, esmtps, esmtptls, estmps');
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
