import { injectFaults } from './inject.ts';
import { faultErrors } from '../../effects/faults.ts';

/**
 * The common failures, for test handlers, and fault injection for any
 * interpreter. A failure is what the effect's family makes of it (its error
 * class and Rspamd wording); `timeout()` is a peer that never answers.
 *
 * @example
 * createTestInterpreter({ handlers: { 'http.request': () => { throw faults.refused(); } } });
 */
export const faults = {
  ...faultErrors,
  /** Wraps an interpreter (live or test) to inject faults per family and probability, from a seed. */
  inject: injectFaults,
};
