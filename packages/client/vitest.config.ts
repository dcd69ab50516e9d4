import { packageTestConfig } from '../../vitest.shared.ts';

// Measured at 96.6 % lines and 93.8 % branches.
export default packageTestConfig({ lines: 96, statements: 95, branches: 93, functions: 95 });
