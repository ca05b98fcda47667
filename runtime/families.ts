/**
 * The built-in effect families, each registered once with its live module.
 * Adding a family is its effects/ file, its modules/ file and one line here.
 */
import { registerFamily } from '../effects/family.ts';
import { timeFamily } from '../effects/time.ts';
import { dnsFamily } from '../effects/dns.ts';
import { httpFamily } from '../effects/http.ts';
import { tcpFamily } from '../effects/tcp.ts';
import { redisFamily } from '../effects/redis.ts';
import { createTimeModule } from '../modules/time.ts';
import { createDnsModule } from '../modules/dns/index.ts';
import { createHttpModule } from '../modules/http.ts';
import { createTcpModule } from '../modules/tcp.ts';
import { createRedisModule } from '../modules/redis.ts';

registerFamily(timeFamily, { live: createTimeModule });
registerFamily(dnsFamily, { live: createDnsModule });
registerFamily(httpFamily, { live: createHttpModule });
registerFamily(tcpFamily, { live: createTcpModule });
registerFamily(redisFamily, { live: createRedisModule });
