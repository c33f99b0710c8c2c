/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }],
  },
  testTimeout: 60000,
  // Two workers even on 2 cores (jest's default there is 1): most suites wait on
  // tshark or CLI subprocesses. Measured on this 2-core machine: 119 s instead of
  // 220-278 s for the whole suite; 221 s with two extra cores' worth of load
  // beside it, every test passing (the budgets and pty waits have the margin).
  maxWorkers: 2,
  // A worker keeps what earlier suites left on its heap (ESM test modules are
  // not released between suites under --experimental-vm-modules). Past ~600 MB
  // an allocation-heavy suite ran 10-15x slower than alone (golden-pieces: 113-166 s
  // against 11 s): restart a worker whose heap is over this after a suite
  // (jest's own mitigation for its ESM leak, jestjs/jest#14605).
  workerIdleMemoryLimit: '400MB',
  // The long suites first, also on a fresh clone without jest's timing cache.
  testSequencer: '<rootDir>/test/sequencer.cjs',
};
