// The example configuration: the rule set, its scores, and where its services are.
//   npx corax scan --config examples/corax.config.ts examples/messages
import { defineConfig, type ConfigInput } from 'corax';
import { ruleset } from './ruleset/index.ts';
import { services } from './settings.ts';

const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

/** The settings as written, for tools that derive a variant (the simulation shortens the task timeout). */
export const exampleSettings = {
  symbols: ruleset,
  scores: {
    RBL_SENDER_IP: 4,
    URIBL_LISTED: 5,
    SENDER_RATELIMIT: 2,
    CONTENT_SPAMMY: 1,
    HELO_BAD: 1.5,
    SENDER_NO_MX: 1.5,
    SENDER_SPF_PASS_ALL: 2,
    SENDER_DOMAIN_MISSING: 3,
    // diagnostics: reported, not scored
    RBL_ERROR: 0,
    URIBL_ERROR: 0,
    REDIS_UNAVAILABLE: 0,
    CONTENT_SCORE_FALLBACK: 0,
    HELO_CHECK_ERROR: 0,
  },
  actions: { reject: 15, 'add header': 6, greylist: 4 },
  taskTimeout: 5000,
  dns: { servers: [services.dns], timeout: 300, retransmits: 2 },
  redis: {
    servers: `${redisUrl.hostname}:${redisUrl.port || 6379}`,
    prefix: process.env.CORAX_EXAMPLE_REDIS_PREFIX ?? 'corax-example:',
    timeout: 500,
  },
  http: { timeout: 1000 },
  tcp: { timeout: 1000 },
} satisfies ConfigInput;

export default defineConfig(exampleSettings);
