import { createTestInterpreter } from '../../index.ts';
import { guideConformance } from '../support/conformance.ts';
import { guideHandlers } from '../support/guide.ts';

guideConformance('test interpreter', async () => ({ io: createTestInterpreter({ handlers: guideHandlers() }) }));
guideConformance('test interpreter, seeded', async () => ({ io: createTestInterpreter({ handlers: guideHandlers(), seed: 2026 }) }));
