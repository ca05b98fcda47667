import { createLiveInterpreter } from '../../index.ts';
import { guideConformance } from '../support/conformance.ts';
import { startGuideServices } from '../support/guide-live.ts';

guideConformance('live against local servers', async () => {
  const services = await startGuideServices('guide-live');
  const io = createLiveInterpreter({ symbols: [], ...services.config });
  return {
    io,
    config: services.config,
    async teardown() {
      await io.close();
      await services.stop();
    },
  };
});
