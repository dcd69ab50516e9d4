import { packageTestConfig } from '../../vitest.shared.ts';

// Measured at 98 % lines and 94 % branches.
export default packageTestConfig({ lines: 97, statements: 96, branches: 93, functions: 94 });
