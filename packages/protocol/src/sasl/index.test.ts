import { describe, expect, it } from 'vitest';
import * as sasl from './index.ts';

describe('sasl entry', () => {
  it('exports a factory for every listed mechanism, and nothing internal', () => {
    expect(Object.keys(sasl).sort()).toEqual([
      'SASL_MECHANISMS',
      'createCramMd5',
      'createLogin',
      'createOauthBearer',
      'createPlain',
      'createScramSha256',
      'createXoauth2',
    ]);
  });

  it('every factory produces a mechanism with the name it is listed under', () => {
    const mechanisms = [
      sasl.createScramSha256({ username: 'u', password: 'p' }),
      sasl.createOauthBearer({ user: 'u', accessToken: 't' }),
      sasl.createXoauth2({ user: 'u', accessToken: 't' }),
      sasl.createCramMd5({ username: 'u', password: 'p' }),
      sasl.createPlain({ username: 'u', password: 'p' }),
      sasl.createLogin({ username: 'u', password: 'p' }),
    ];
    expect(mechanisms.map((mechanism) => mechanism.name)).toEqual([...sasl.SASL_MECHANISMS]);
  });
});
