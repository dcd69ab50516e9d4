import { packageTestConfig } from '../../vitest.shared.ts';

// Held at 100 %, as measured when the package was created (issue 11).
export default packageTestConfig({ lines: 100, statements: 100, branches: 100, functions: 100 });
