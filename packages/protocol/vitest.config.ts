import { packageTestConfig } from '../../vitest.shared.ts';

// Held at 100 %: the issue that created the package asks for it.
export default packageTestConfig({ lines: 100, statements: 100, branches: 100, functions: 100 });
