/**
 * Jest for mutation testing (scripts/mutation.sh): the suites that check a
 * stage, chosen by MUTATION_TESTS (comma-separated test folders), so each
 * mutant runs only the tests that can kill it, not the whole suite.
 */
import base from './jest.config.js';

const folders = (process.env.MUTATION_TESTS ?? 'test').split(',').filter(Boolean);
export default {
  ...base,
  roots: folders.map((f) => `<rootDir>/${f}`),
};
