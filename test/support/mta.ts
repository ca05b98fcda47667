/** The real programs MTA tests drive, found or installed from Debian's packages, with a message saying how when they cannot be. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const packages: Record<string, string> = { exim4: 'exim4-daemon-heavy', spamc: 'spamc', rspamd: 'rspamd', rspamc: 'rspamd', miltertest: 'miltertest', haproxy: 'haproxy' };
const paths: Record<string, string> = { exim4: '/usr/sbin/exim4', spamc: '/usr/bin/spamc', rspamd: '/usr/bin/rspamd', rspamc: '/usr/bin/rspamc', miltertest: '/usr/bin/miltertest', haproxy: '/usr/sbin/haproxy' };

/** The program's path; installs its Debian package when it is missing (as .ci/run does), else fails saying how to get it. */
export function program(name: keyof typeof packages): string {
  const path = paths[name];
  if (existsSync(path)) return path;
  const install = spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages[name]}`], { stdio: 'ignore' });
  if (install.status === 0 && existsSync(path)) {
    // installing an MTA or a balancer may start it: never leave a system one running
    spawnSync('sh', ['-c', 'service exim4 stop; pkill -x exim4; service haproxy stop; true'], { stdio: 'ignore' });
    return path;
  }
  throw new Error(`${name} is needed for this test: install the Debian package ${packages[name]} (apt-get install ${packages[name]}), as .ci/run does`);
}

export function run(cmd: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export { execFileSync };

export interface RspamdProxy {
  port: number;
  /** What rspamc printed through the proxy once it answered. */
  firstAnswer: string;
  stop(): Promise<void>;
}

/**
 * Rspamd's proxy worker (self_scan = no) in `home`, with corax at
 * `upstreamPort` as its only upstream (encrypted to `key` when given);
 * resolves once rspamc through it gets an answer that matches `ready`.
 */
export async function startRspamdProxy(home: string, upstreamPort: number, ready: { message: string; expect: RegExp }, key?: string): Promise<RspamdProxy> {
  const { spawn } = await import('node:child_process');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { freePort } = await import('./net.ts');
  const rspamd = program('rspamd');
  const rspamc = program('rspamc');
  const port = await freePort();
  mkdirSync(join(home, 'db'), { recursive: true });
  writeFileSync(
    join(home, 'rspamd.conf'),
    `options { pidfile = "${home}/rspamd.pid"; dbdir = "${home}/db"; }\nlogging { type = "file"; filename = "${home}/rspamd.log"; level = "info"; }\nworker "rspamd_proxy" {\n  bind_socket = "127.0.0.1:${port}";\n  self_scan = no;\n  upstream "local" { default = yes; hosts = "127.0.0.1:${upstreamPort}";${key ? ` key = "${key}";` : ''} }\n  count = 1;\n}\n`,
  );
  const child = spawn(rspamd, ['-c', join(home, 'rspamd.conf'), '-f', '-u', 'root', '-g', 'root', '-i'], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  let out = '';
  for (let i = 0; i < 120; i++) {
    await new Promise((r) => setTimeout(r, 250));
    out = run(rspamc, ['-h', `127.0.0.1:${port}`, 'symbols'], ready.message).stdout;
    if (ready.expect.test(out)) break;
  }
  return { port, stop, firstAnswer: out };
}
