/**
 * A private Sendmail for the milter tests: Debian's sendmail-bin and
 * sendmail-cf unpacked into a private prefix (`apt-get download` +
 * `dpkg -x`; Sendmail, like Postfix and Exim, would be the system MTA if
 * installed), a sendmail.cf built with m4 from a .mc with corax as its
 * INPUT_MAIL_FILTER, run as `sendmail -bs` (SMTP on stdin and stdout,
 * queueing only) in a UTS namespace whose host name is qualified (Sendmail
 * waits for one otherwise).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sh = (script: string): { status: number | null; out: string } => {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
};
const how = 'it unpacks Debian\'s sendmail-bin and sendmail-cf (apt-get download, dpkg -x) and needs m4 and unshare (util-linux), as root';

/** Where the unpacked Sendmail is (made once per machine). */
function sendmailRoot(): string {
  const root = join(tmpdir(), 'corax-sendmail-root');
  if (existsSync(join(root, 'usr/libexec/sendmail/sendmail')) && existsSync(join(root, 'usr/share/sendmail/cf/m4/cf.m4'))) return root;
  const work = mkdtempSync(join(tmpdir(), 'corax-sendmail-deb-'));
  try {
    const get = 'apt-get download sendmail-bin sendmail-cf';
    let got = sh(`cd "${work}" && ${get}`);
    if (got.status !== 0) got = sh(`apt-get update -qq && cd "${work}" && ${get}`);
    if (got.status !== 0) throw new Error(`Sendmail is needed for this test: ${how} (${got.out.trim().slice(-300)})`);
    const unpacked = sh(`rm -rf "${root}.tmp" && for f in "${work}"/*.deb; do dpkg -x "$f" "${root}.tmp" || exit 1; done && rm -rf "${root}" && mv "${root}.tmp" "${root}"`);
    if (unpacked.status !== 0) throw new Error(`Sendmail is needed for this test: ${how} (${unpacked.out.trim()})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return root;
}

function requireM4(): void {
  if (sh('command -v m4').status === 0) return;
  const installed = sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq m4');
  if (installed.status !== 0) throw new Error(`m4 is needed to build sendmail.cf: apt-get install m4 (${installed.out.trim().slice(-200)})`);
}

export interface Sendmail {
  /** One SMTP session: each command's reply, the last being the reply to the message's end (or to the first refusal). */
  send(subject: string): Promise<string[]>;
  /** The headers of the messages Sendmail queued (its qf files), by Subject. */
  queued(): Map<string, string>;
  stop(): void;
}

/** A Sendmail whose INPUT_MAIL_FILTER is corax's milter at `milterPort`. */
export function startSendmail(milterPort: number): Sendmail {
  const root = sendmailRoot();
  requireM4();
  const dir = mkdtempSync(join(tmpdir(), 'corax-sendmail-'));
  mkdirSync(join(dir, 'queue'));
  writeFileSync(join(dir, 'service.switch'), 'hosts files\naliases files\n');
  // as docs/server.md gives the milter line
  const mc = `divert(-1)
include(\`${root}/usr/share/sendmail/cf/m4/cf.m4')
VERSIONID(\`corax test')
OSTYPE(\`linux')
define(\`confDONT_PROBE_INTERFACES', \`True')
define(\`confDOMAIN_NAME', \`mx.corax.test')
define(\`confSERVICE_SWITCH_FILE', \`${dir}/service.switch')
define(\`QUEUE_DIR', \`${dir}/queue')
define(\`STATUS_FILE', \`${dir}/statistics')
define(\`confPID_FILE', \`${dir}/sendmail.pid')
define(\`ALIAS_FILE', \`')
define(\`confHELP_FILE', \`')
FEATURE(\`accept_unresolvable_domains')
FEATURE(\`promiscuous_relay')
INPUT_MAIL_FILTER(\`corax', \`S=inet:${milterPort}@127.0.0.1, F=T, T=S:10s;R:10s;E:30s')
MAILER(\`smtp')
`;
  writeFileSync(join(dir, 'corax.mc'), mc);
  const built = sh(`m4 "${dir}/corax.mc" > "${dir}/sendmail.cf"`);
  if (built.status !== 0) throw new Error(`m4 could not build sendmail.cf: ${built.out}`);
  const binary = join(root, 'usr/libexec/sendmail/sendmail');
  return {
    send(subject) {
      const commands = ['EHLO client.corax.test', 'MAIL FROM:<sender@corax.test>', 'RCPT TO:<rcpt@corax.test>', 'DATA', `From: sender@corax.test\r\nTo: rcpt@corax.test\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n.`, 'QUIT'];
      return new Promise((resolve, reject) => {
        const child = spawn('unshare', ['-u', 'sh', '-c', `hostname mx.corax.test && exec "${binary}" -C "${dir}/sendmail.cf" -odq -bs`], { stdio: ['pipe', 'pipe', 'pipe'] });
        const replies: string[] = [];
        let buffered = '';
        let step = -1;
        let errors = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.stderr.on('data', (d) => (errors += d));
        child.stdout.on('data', (chunk) => {
          buffered += String(chunk);
          const lines = buffered.split('\r\n');
          const last = lines[lines.length - 2];
          if (!last || !/^\d{3} /.test(last)) return;
          const reply = buffered.trimEnd();
          buffered = '';
          if (step >= 0) replies.push(reply);
          if (step === 4 || (step >= 0 && !/^[23]/.test(last)) || step === 5) {
            if (step < 5) child.stdin.end('QUIT\r\n');
            step = 5;
            return;
          }
          step++;
          child.stdin.write(`${commands[step]}\r\n`);
        });
        child.once('error', (e) => reject(new Error(`cannot run Sendmail: ${e.message}; ${how}`)));
        child.once('exit', (code) => {
          clearTimeout(timer);
          if (!replies.length) reject(new Error(`Sendmail answered nothing (exit ${code}): ${errors}`));
          else resolve(replies.filter((r) => !r.startsWith('221')));
        });
      });
    },
    queued() {
      const out = new Map<string, string>();
      for (const name of readdirSync(join(dir, 'queue'))) {
        if (!name.startsWith('qf')) continue;
        const qf = readFileSync(join(dir, 'queue', name), 'latin1');
        const subject = /^H\??[^:]*?Subject: (.*)$/m.exec(qf)?.[1];
        if (subject) out.set(subject, qf);
      }
      return out;
    },
    stop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
