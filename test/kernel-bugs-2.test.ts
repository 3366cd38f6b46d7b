// The kernel's seeded bugs, half 2 of test/support/kernel-bugs.ts's table: each refuted in the
// handler it sits in, with a counterexample replayed on the TypeScript code.
import { kernelBugTests } from './support/kernel-bugs.ts';

kernelBugTests(2);
