// Postfix with corax as its milter (smtpd_milters): a private instance receives mail over SMTP on loopback, asks corax, and relays what it accepts to a sink the test runs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { freePort, listenLocal } from '../../support/net.ts';
import { startPostfix, type Postfix } from '../../support/postfix.ts';

/** An SMTP server that accepts everything and keeps each message as received. */
class Sink {
  readonly messages: string[] = [];
  readonly server = net.createServer((socket) => {
    let buffered = '';
    let data = false;
    socket.on('error', () => {});
    socket.write('220 sink.corax.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        if (data) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          this.messages.push(buffered.slice(0, end + 2));
          buffered = buffered.slice(end + 5);
          data = false;
          socket.write('250 2.0.0 kept\r\n');
          continue;
        }
        const eol = buffered.indexOf('\r\n');
        if (eol < 0) return;
        const line = buffered.slice(0, eol).toUpperCase();
        buffered = buffered.slice(eol + 2);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) socket.write('250 sink.corax.test\r\n');
        else if (line.startsWith('DATA')) {
          data = true;
          socket.write('354 go on\r\n');
        } else if (line.startsWith('QUIT')) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
}

/** One SMTP session with Postfix: the reply to the end of DATA (or to the first command refused). */
function send(port: number, subject: string): Promise<string> {
  const commands = ['EHLO client.corax.test', 'MAIL FROM:<sender@corax.test>', 'RCPT TO:<rcpt@corax.test>', 'DATA', `From: sender@corax.test\r\nTo: rcpt@corax.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@corax.test>\r\n\r\nbody of ${subject}\r\n.`, 'QUIT'];
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffered = '';
    let step = -1;
    let answer = '';
    socket.on('error', reject);
    socket.setTimeout(30_000, () => reject(new Error(`no reply from Postfix at step ${step}: ${buffered}`)));
    socket.on('data', (chunk) => {
      if (answer) return;
      buffered += chunk.toString('latin1');
      // a complete reply: its last line has a space after the code
      const lines = buffered.split('\r\n');
      const last = lines[lines.length - 2];
      if (!last || !/^\d{3} /.test(last)) return;
      const reply = buffered.trimEnd();
      buffered = '';
      if (step === 4 || (step >= 0 && !/^[23]/.test(last))) {
        answer = reply;
        socket.end('QUIT\r\n');
        return;
      }
      step++;
      socket.write(`${commands[step]}\r\n`);
    });
    socket.on('close', () => resolve(answer));
  });
}

let corax: ServeProcess;
let postfix: Postfix;
let smtpPort = 0;
const sink = new Sink();

const Pf = suite('Postfix (smtpd_milters) with corax serve --milter');
Pf.before(async () => {
  const relayPort = await listenLocal(sink.server);
  const milterPort = await freePort();
  corax = await serve(['--config', fixture('mta.config.ts'), '--milter', `127.0.0.1:${milterPort}`]);
  smtpPort = await freePort();
  postfix = await startPostfix({ smtpPort, milterPort, relayPort });
});
Pf.after(async () => {
  await postfix?.stop();
  await corax?.stop();
  sink.server.close();
});

const delivered = async (subject: string): Promise<string> => {
  for (let i = 0; i < 300; i++) {
    const found = sink.messages.find((m) => m.includes(`Subject: ${subject}\r\n`));
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`"${subject}" was not delivered; Postfix's log:\n${postfix.log()}`);
};

Pf('ham is delivered with X-Spamd-Result, the envelope having reached the rules', async () => {
  const reply = await send(smtpPort, 'hello');
  assert.match(reply, /^250 2\.0\.0 Ok: queued as /m, `${reply}\n${postfix.log()}`);
  const message = await delivered('hello');
  assert.match(message, /\r\nX-Spamd-Result: default: False \[0\.00 \/ 15\.00\]; ENVELOPE_SEEN\(0\.00\)\[sender@corax\.test>rcpt@corax\.test,client\.corax\.test,127\.0\.0\.1\]/);
  assert.not.match(message, /\r\nX-Spam: /);
});

Pf('add header: delivered with X-Spam: Yes', async () => {
  const reply = await send(smtpPort, 'header me');
  assert.match(reply, /^250 2\.0\.0 Ok: queued as /m, reply);
  const message = await delivered('header me');
  assert.match(message, /\r\nX-Spam: Yes\r\n/);
  assert.match(message, /X-Spamd-Result: default: False \[7\.00 \/ 15\.00\]; [^\r]*WANTS_HEADER\(7\.00\)\[header me\]/);
});

Pf('reject: the SMTP client gets 554 5.7.1 with the rule\'s message, nothing is delivered', async () => {
  const reply = await send(smtpPort, 'reject me');
  assert.match(reply, /^554 5\.7\.1 rejected by corax rules$/m, reply);
});

Pf('soft reject: the SMTP client gets 451 4.7.1 and may try again', async () => {
  const reply = await send(smtpPort, 'soft me');
  assert.match(reply, /^451 4\.7\.1 try again later, says corax$/m, reply);
  // neither refused message reached the sink
  assert.not.ok(sink.messages.some((m) => /Subject: (reject|soft) me/.test(m)));
  assert.match(postfix.log(), /milter-reject: END-OF-MESSAGE from [^:]*: 5\.7\.1 rejected by corax rules/);
  assert.match(postfix.log(), /milter-reject: END-OF-MESSAGE from [^:]*: 4\.7\.1 try again later, says corax/);
});

Pf.run();
