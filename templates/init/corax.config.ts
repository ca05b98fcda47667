import { defineConfig } from 'corax';
import { SENDER_NO_MX } from './rules/sender-no-mx.ts';

export default defineConfig({
  symbols: [SENDER_NO_MX],
  actions: { reject: 15, 'add header': 6, greylist: 4 },
  taskTimeout: 8000,
});
