/**
 * Nodemailer's own dot-stuffing stream (`DataStream`, the Transform its SMTP connection pipes
 * every message through). Nodemailer's exports map does not expose it, so it is loaded from its
 * file inside the installed package; the bench pins nodemailer's version, so the path is stable.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve('nodemailer/package.json'));
const { default: DataStream } = await import(
  pathToFileURL(join(packageRoot, 'dist/esm/smtp-connection/data-stream.js')).href
);
export const nodemailerVersion = require('nodemailer/package.json').version;
export { DataStream };
