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
