/**
 * A private Postfix instance for the milter tests: its own config directory,
 * queue and loopback ports, started and stopped by the test. Debian's postfix
 * and exim4 packages conflict (both are the system MTA), so where Postfix is
 * not installed its package is unpacked into a private prefix
 * (`apt-get download` + `dpkg -x`) and run from there.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sh = (script: string): { status: number | null; out: string } => {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};

const how = 'install Debian\'s postfix package (apt-get install postfix), or let the test unpack it: it needs apt-get download, dpkg and root';

/** Where Postfix's files are: `/` when installed, else a private unpacked copy (made once per machine). */
function postfixRoot(): string {
  if (existsSync('/usr/lib/postfix/sbin/master') && existsSync('/usr/sbin/postfix')) return '/';
  const root = join(tmpdir(), 'corax-postfix-root');
  if (existsSync(join(root, 'usr/lib/postfix/sbin/master'))) return root;
  const work = mkdtempSync(join(tmpdir(), 'corax-postfix-deb-'));
  try {
    let got = sh(`cd "${work}" && apt-get download postfix`);
    if (got.status !== 0) got = sh(`apt-get update -qq && cd "${work}" && apt-get download postfix`);
    if (got.status !== 0) throw new Error(`Postfix is needed for this test: ${how} (apt-get download postfix failed: ${got.out.trim().slice(-300)})`);
    const unpacked = sh(`dpkg -x "${work}"/postfix_*.deb "${root}.tmp" && rm -rf "${root}" && mv "${root}.tmp" "${root}"`);
    if (unpacked.status !== 0) throw new Error(`Postfix is needed for this test: ${how} (dpkg -x failed: ${unpacked.out.trim()})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return root;
}

/** The mail_owner user and setgid group Postfix refuses to run without, as the Debian package creates them. */
function ensureAccounts(): void {
  if (sh('id -u postfix && getent group postdrop').status === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`Postfix is needed for this test: it runs as root with a postfix user and a postdrop group; ${how}`);
  sh('getent group postdrop || groupadd -r postdrop');
  const made = sh('id -u postfix || useradd -r -M -U -d /nonexistent -s /usr/sbin/nologin postfix');
  if (made.status !== 0) throw new Error(`cannot create the postfix user: ${made.out.trim()}`);
}

export interface PostfixOptions {
  /** Loopback port smtpd listens on. */
  smtpPort: number;
  /** Where corax's milter listens. */
  milterPort: number;
  /** Where delivered mail is relayed (an SMTP sink the test runs). */
  relayPort: number;
}

export interface Postfix {
  dir: string;
  /** The instance's log (maillog_file). */
  log(): string;
  stop(): Promise<void>;
}

const services = `
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

/** Starts a Postfix that receives on `smtpPort`, asks corax's milter, and relays what it accepts to `relayPort`. */
export async function startPostfix(options: PostfixOptions): Promise<Postfix> {
  const root = postfixRoot();
  ensureAccounts();
  const prefix = root === '/' ? '' : root;
  const dir = mkdtempSync(join(tmpdir(), 'corax-postfix-'));
  // the postfix user walks into the queue and data directories
  chmodSync(dir, 0o755);
  for (const d of ['etc', 'queue', 'data']) mkdirSync(join(dir, d));
  const postfixUser = Number(sh('id -u postfix').out.trim());
  chownSync(join(dir, 'data'), postfixUser, -1);
  writeFileSync(
    join(dir, 'etc/main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
daemon_directory = ${prefix}/usr/lib/postfix/sbin
command_directory = ${prefix}/usr/sbin
shlib_directory = ${prefix}/usr/lib/postfix
meta_directory = ${prefix}/etc/postfix
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG LD_LIBRARY_PATH
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
myhostname = mx.corax.test
mydomain = corax.test
myorigin = corax.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains =
relayhost = [127.0.0.1]:${options.relayPort}
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
alias_maps =
alias_database =
biff = no
# as docs/server.md gives them
smtpd_milters = inet:127.0.0.1:${options.milterPort}
non_smtpd_milters = $smtpd_milters
milter_default_action = accept
milter_protocol = 6
milter_mail_macros = i {mail_addr} {client_addr} {client_name} {auth_authen}
`,
  );
  writeFileSync(join(dir, 'etc/master.cf'), `127.0.0.1:${options.smtpPort} inet n - n - - smtpd\n${services}`);
  const env = root === '/' ? '' : `LD_LIBRARY_PATH="${prefix}/usr/lib/postfix" `;
  const postfix = (command: string): { status: number | null; out: string } =>
    // postfix only prints to a terminal: script gives it one, so a failure says why
    sh(`${env}script -qec '"${prefix}/usr/sbin/postfix" -c "${dir}/etc" ${command}' /dev/null`);
  const started = postfix('start');
  const pidFile = join(dir, 'queue/pid/master.pid');
  const log = (): string => (existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8') : '');
  if (started.status !== 0 || !existsSync(pidFile)) {
    const why = `${started.out}\n${log()}`.trim();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Postfix did not start: ${why}`);
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    dir,
    log,
    async stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      // master takes its children down with it; wait until it is gone
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
