// Sendmail with corax as its INPUT_MAIL_FILTER: a private sendmail -bs (SMTP on stdin and stdout) asks corax serve --milter for every message.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture, serve, type ServeProcess } from '../../support/corax-process.ts';
import { freePort } from '../../support/net.ts';
import { startSendmail, type Sendmail } from '../../support/sendmail.ts';

let corax: ServeProcess;
let sendmail: Sendmail;
const Sm = suite('Sendmail (INPUT_MAIL_FILTER) with corax serve --milter');
Sm.before(async () => {
  const milterPort = await freePort();
  corax = await serve(['--config', fixture('mta.config.ts'), '--milter', `127.0.0.1:${milterPort}`]);
  sendmail = startSendmail(milterPort);
});
Sm.after(async () => {
  sendmail?.stop();
  await corax?.stop();
});

Sm('ham is queued with X-Spamd-Result; add header with X-Spam: Yes; the envelope reaches the rules', async () => {
  const ham = await sendmail.send('hello');
  assert.match(ham[ham.length - 1]!, /^250 2\.0\.0 \S+ Message accepted for delivery/);
  const header = await sendmail.send('header me');
  assert.match(header[header.length - 1]!, /^250 2\.0\.0 \S+ Message accepted for delivery/);
  const queued = sendmail.queued();
  assert.match(queued.get('hello') ?? '', /X-Spamd-Result: default: False \[0\.00 \/ 15\.00\]; ENVELOPE_SEEN\(0\.00\)\[sender@corax\.test>rcpt@corax\.test,client\.corax\.test/);
  assert.not.match(queued.get('hello') ?? '', /X-Spam: Yes/);
  assert.match(queued.get('header me') ?? '', /X-Spam: Yes/);
  assert.match(queued.get('header me') ?? '', /WANTS_HEADER\(7\.00\)\[header me\]/);
});

Sm('reject answers 554 5.7.1 with the rule\'s message, soft reject 451 4.7.1; neither is queued', async () => {
  const reject = await sendmail.send('reject me');
  assert.match(reject[reject.length - 1]!, /^554 5\.7\.1 rejected by corax rules$/m);
  const soft = await sendmail.send('soft me');
  assert.match(soft[soft.length - 1]!, /^451 4\.7\.1 try again later, says corax$/m);
  const queued = sendmail.queued();
  assert.not.ok(queued.has('reject me') || queued.has('soft me'));
});

Sm.run();
