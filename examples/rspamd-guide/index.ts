// Every full example of Rspamd's "Sync and Async API comparison" page, each in both styles.
// Names repeat across styles (SIMPLE_HTTP), as on the page, so each style is a rule set of its own.
import { SIMPLE_HTTP as SIMPLE_HTTP_CALLBACK } from './http-callback.ts';
import { SIMPLE_HTTP as SIMPLE_HTTP_SYNC } from './http-sync.ts';
import { SIMPLE_DNS } from './dns-callback.ts';
import { SIMPLE_DNS_SYNC } from './dns-sync.ts';
import { SIMPLE_TCP_ASYNC_TEST } from './tcp-callback.ts';
import { HTTP_TCP_TEST } from './tcp-sync.ts';
import { SIMPLE_REDIS_ASYNC_TEST } from './redis-callback.ts';
import { REDIS_TEST } from './redis-sync.ts';

/** Callback-style rules (Rspamd before 1.8). */
export const callbackStyle = [SIMPLE_HTTP_CALLBACK, SIMPLE_DNS, SIMPLE_TCP_ASYNC_TEST, SIMPLE_REDIS_ASYNC_TEST];

/** The same rules with yield* (Rspamd's `coro` flag). */
export const syncStyle = [SIMPLE_HTTP_SYNC, SIMPLE_DNS_SYNC, HTTP_TCP_TEST, REDIS_TEST];

export { guide } from './settings.ts';
