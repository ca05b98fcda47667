/**
 * The services the example rule set talks to, on one machine: the content
 * scorer (HTTP), the blocklist zones (DNS) and the line service (TCP). Redis
 * is the real one at REDIS_URL.
 *
 *   npm run services      start them on their default ports until Ctrl-C
 */
import { pathToFileURL } from 'node:url';
import { startExampleDns } from './dns.ts';
import { startExampleScorer } from './http-scorer.ts';
import { startExampleLineService } from './tcp-line.ts';

export interface ExampleServices {
  http: string;
  dns: string;
  tcpHost: string;
  tcpPort: number;
  /** The environment that points the example rules at these services. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const defaultPorts = { http: 18080, dns: 18053, tcp: 18025 };

/** Misbehaviour for load and fault tests: each request misbehaves with probability `rate`, drawn from `seed`. */
export interface ServiceFaults {
  seed: number | string;
  rate: number;
}

/** Starts the three services; `ports: 'default'` uses the fixed ports, `'any'` free ones. */
export async function startExampleServices(ports: 'default' | 'any' = 'default', faults?: ServiceFaults): Promise<ExampleServices> {
  const pick = (p: number): number => (ports === 'default' ? p : 0);
  const [scorer, dns, line] = await Promise.all([
    startExampleScorer('127.0.0.1', pick(defaultPorts.http), faults),
    startExampleDns('127.0.0.1', pick(defaultPorts.dns), faults),
    startExampleLineService('127.0.0.1', pick(defaultPorts.tcp), faults),
  ]);
  const env = {
    CORAX_EXAMPLE_HTTP: scorer.url,
    CORAX_EXAMPLE_DNS: `${dns.host}:${dns.port}`,
    CORAX_EXAMPLE_TCP_HOST: line.host,
    CORAX_EXAMPLE_TCP_PORT: String(line.port),
  };
  return {
    http: scorer.url,
    dns: env.CORAX_EXAMPLE_DNS,
    tcpHost: line.host,
    tcpPort: line.port,
    env,
    async stop() {
      await Promise.all([scorer.close(), dns.close(), line.close()]);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const services = await startExampleServices(process.argv.includes('--any-port') ? 'any' : 'default');
  console.log(`content scorer  ${services.http}/score\nblocklist DNS   ${services.dns}  (bl.corax.test, uribl.corax.test)\nline service    ${services.tcpHost}:${services.tcpPort}`);
  console.log('\nCtrl-C to stop.');
  const stop = async (): Promise<void> => {
    await services.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
