/**
 * Test helpers shared by every package's tests (HOUSE-STYLE: cross-package test helpers live
 * here, never in a published package). Import them from `test-servers/testing`.
 */
export {
  type DkimRecords,
  type DkimTxtRecord,
  dkimVerdicts,
  type VerifiedSignature,
  type VerifyDkimOptions,
  verifyDkim,
} from './dkim.ts';
export {
  bytes,
  concat,
  describeFeedMode,
  type FeedMode,
  feed,
  feedModes,
  latin1,
  splitBytes,
} from './feed.ts';
export { propertyRuns } from './property.ts';
