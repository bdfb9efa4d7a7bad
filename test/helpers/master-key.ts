/**
 * The master key of every test gateway. One value for the whole suite; the
 * suites that check logs and traces never leak it look for this string.
 */
export const MASTER_KEY = "sk-master-test-key";
