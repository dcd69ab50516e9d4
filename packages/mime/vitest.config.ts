import { packageTestConfig } from '../../vitest.shared.ts';

// Measured at 100 % lines and 99.7 % branches.
export default packageTestConfig({ lines: 100, statements: 99.5, branches: 99, functions: 99 });
