import { connect } from '@smtp/transport';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ConnectionDefinitionOptions } from './connection-definition.ts';
import { parseConnectionDefinition } from './connection-definition.ts';
import { ClientStateError } from './errors.ts';
import {
  type JsonShape,
  OPTION_NAMES,
  OPTION_TABLE,
  type OptionSpec,
  type OptionTableChecks,
} from './option-table.ts';
import type { ClientOptions, ResolvedClientOptions } from './options.ts';
import { resolveClientOptions } from './resolve-options.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A valid JSON value for each shape. */
function sample(shape: JsonShape): unknown {
  switch (shape) {
    case 'string':
      return 'x';
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'pem':
      return PEM;
  }
  if ('oneOf' in shape) return shape.oneOf[0];
  if ('list' in shape) return [sample(shape.list)];
  return Object.fromEntries(Object.entries(shape.fields).map(([key, item]) => [key, sample(item)]));
}

function isFrozenDeep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isFrozenDeep);
}

describe('OPTION_TABLE', () => {
  it('has one entry per option, in the order messages list them', () => {
    expect(OPTION_NAMES).toEqual(Object.keys(OPTION_TABLE));
    expect(OPTION_NAMES.slice(0, 4)).toEqual(['url', 'host', 'port', 'path']);
    expect(OPTION_NAMES).toEqual(
      expect.arrayContaining(['localAddress', 'family', 'allowFileAccess', 'dkim', 'proxy']),
    );
    expect(OPTION_NAMES).toHaveLength(30);
  });

  it('is frozen at every level', () => {
    expect(isFrozenDeep(OPTION_TABLE)).toBe(true);
    expect(Object.isFrozen(OPTION_NAMES)).toBe(true);
  });

  it('feeds every resolved field, and each copied option is its resolved field', () => {
    const resolved = resolveClientOptions({ host: 'mx.example' });
    const fed = new Set(OPTION_NAMES.map((name) => OPTION_TABLE[name].resolved));
    expect([...fed].sort()).toEqual(Object.keys(resolved).sort());
    for (const name of OPTION_NAMES) {
      const spec: OptionSpec<unknown> = OPTION_TABLE[name];
      if (spec.combined) continue;
      // Absent, a copied option resolves to its default.
      expect(resolved[spec.resolved]).toEqual(spec.default());
    }
  });

  it('gives the defaults the documentation states', () => {
    expect(OPTION_TABLE.security.default()).toBe('opportunistic');
    expect(OPTION_TABLE.protocol.default()).toBe('smtp');
    expect(OPTION_TABLE.family.default()).toBe(0);
    expect(OPTION_TABLE.tls.default()).toEqual({});
    expect(OPTION_TABLE.allowFileAccess.default()).toBe(true);
    expect(OPTION_TABLE.connector.default()).toBe(connect);
    for (const name of ['url', 'host', 'port', 'path', 'auth', 'localAddress'] as const) {
      expect(OPTION_TABLE[name].default()).toBeUndefined();
    }
  });

  it('names the path it is given in every message', () => {
    for (const name of OPTION_NAMES) {
      const spec: OptionSpec<unknown> = OPTION_TABLE[name];
      expect(() => spec.check(Symbol('bad'), 'some.path')).toThrow(ClientStateError);
      expect(() => spec.check(Symbol('bad'), 'some.path')).toThrow(/^some\.path /);
    }
  });

  it('marks the secrets and the options that cannot be JSON', () => {
    const secrets = Object.fromEntries(
      OPTION_NAMES.flatMap((name) => {
        const list = OPTION_TABLE[name].secrets;
        return list.length === 0 ? [] : [[name, [...list]]];
      }),
    );
    expect(secrets).toEqual({
      url: ['credentials'],
      auth: ['pass', 'accessToken'],
      proxy: ['auth'],
      tls: ['key', 'passphrase', 'pfx'],
      dkim: ['privateKey'],
    });
    expect(OPTION_NAMES.filter((name) => OPTION_TABLE[name].json === false)).toEqual([
      'lookup',
      'dkim',
      'connector',
      'onEvent',
    ]);
    expect(OPTION_TABLE.url.json).toBe('url');
  });

  it('drives the JSON definition: every option with a shape is accepted in options', () => {
    for (const name of OPTION_NAMES) {
      const { json } = OPTION_TABLE[name] as OptionSpec<unknown>;
      if (json === false || json === 'url') {
        expect(() =>
          parseConnectionDefinition({ url: 'smtp://h', options: { [name]: 1 } }),
        ).toThrow(/is not a known field/);
        continue;
      }
      try {
        parseConnectionDefinition({ url: 'smtp://h', options: { [name]: sample(json) } });
      } catch (error) {
        // A sample can be of the right JSON shape and still be refused by the option's check,
        // never by the shape check.
        expect((error as Error).message).toMatch(
          /^connection definition: options(:|\.auth|\.proxy)/,
        );
      }
    }
  });

  it('ties the types to the interfaces at compile time', () => {
    expectTypeOf<OptionTableChecks>().toEqualTypeOf<[true, true, true]>();
    expectTypeOf<keyof typeof OPTION_TABLE>().toEqualTypeOf<keyof ClientOptions>();
    expectTypeOf<ConnectionDefinitionOptions['family']>().toEqualTypeOf<0 | 4 | 6 | undefined>();
    expectTypeOf<ConnectionDefinitionOptions['chunking']>().toEqualTypeOf<
      boolean | 'auto' | undefined
    >();
    expectTypeOf<ResolvedClientOptions['family']>().toEqualTypeOf<0 | 4 | 6>();
    expectTypeOf<NonNullable<ConnectionDefinitionOptions['tls']>['ca']>().toEqualTypeOf<
      string | readonly string[] | undefined
    >();
  });
});
