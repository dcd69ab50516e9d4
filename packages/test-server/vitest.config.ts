import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({ lines: 90, statements: 90, branches: 80, functions: 90 });
