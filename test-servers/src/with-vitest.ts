/**
 * The vitest binding of the servers only this repository's tests use: `useScriptedServer()`,
 * on `@smtp/test-server/vitest`'s `useServer`, whose `useSmtpServer` is re-exported so a test
 * file imports both from one place.
 */
import { type ServerHandle, useServer } from '@smtp/test-server/vitest';
import {
  type ScriptedServer,
  type ScriptedServerOptions,
  type ScriptStep,
  startScriptedServer,
} from './scripted-server.ts';

export { type ServerHandle, useServer, useSmtpServer } from '@smtp/test-server/vitest';

/**
 * Starts a scripted server for the current `describe` block (or file) and closes it afterwards.
 * Note that `done` belongs to the first connection of the whole block.
 */
export function useScriptedServer(
  script: ScriptStep[] | ((connection: number) => ScriptStep[]),
  options: ScriptedServerOptions = {},
): ServerHandle<ScriptedServer> {
  return useServer(() => startScriptedServer(script, options));
}
