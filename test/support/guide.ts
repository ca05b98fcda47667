/**
 * What the guide's services answer, shared by the local servers (live), the
 * test-interpreter handlers and the expectations, so every interpreter must
 * produce the same scan results.
 */
import { fakeTcp, faults, type TestHandlers } from '../../index.ts';

export const GUIDE = {
  httpBody: 'hello from /abc',
  dnsRspamd: '192.0.2.10',
  toResolve: 'resolve-me.test',
  toResolveAddress: '192.0.2.20',
  /** The raw reply of the TCP peer to `GET /request` (callback example reads it whole). */
  tcpAsyncReply: 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: keep-alive\r\n\r\ntcp hello',
  tcpSyncBody: 'sync hello from tcp',
  redisKey: 'test_key',
  redisValue: 'test value',
  redisEval: 'hello from lua on redis',
};

export function tcpSyncReply(): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(GUIDE.tcpSyncBody)}\r\nConnection: close\r\n\r\n${GUIDE.tcpSyncBody}`;
}

/** Answers the guide's raw HTTP-over-TCP requests, like test/support's TCP server does live. */
export function answerTcpRequest(request: string): { reply: string; close: boolean } | null {
  const line = request.split('\r\n', 1)[0];
  if (line.startsWith('GET /request_sync ')) return { reply: tcpSyncReply(), close: true };
  if (line.startsWith('GET /request ')) return { reply: GUIDE.tcpAsyncReply, close: false };
  return null;
}

/** The guide's services as test-interpreter handlers. */
export function guideHandlers(): TestHandlers {
  return {
    'http.request': (effect) => (new URL(effect.url).pathname === '/abc' ? { code: 200, content: GUIDE.httpBody } : { code: 404, content: 'not found' }),
    'dns.request': (effect) => {
      if (effect.rrtype === 'a' && effect.name === 'rspamd.com') return [GUIDE.dnsRspamd];
      if (effect.rrtype === 'a' && effect.name === GUIDE.toResolve) return [GUIDE.toResolveAddress];
      return faults.nxdomain();
    },
    ...fakeTcp({
      onData(data, peer) {
        const answer = answerTcpRequest(data);
        if (!answer) return;
        peer.send(answer.reply);
        if (answer.close) peer.end();
      },
    }),
    'redis.request': (effect) => (effect.command[0] === 'GET' && effect.command[1] === GUIDE.redisKey ? GUIDE.redisValue : null),
    'redis.exec': (effect) => effect.commands.map((c) => (c[0] === 'EVAL' ? GUIDE.redisEval : null)),
  };
}

/** The results every interpreter must give for the guide's rules. */
export const guideExpected = {
  callback: {
    HTTP_RESPONSE: [GUIDE.httpBody],
    DNS: [GUIDE.dnsRspamd],
    HTTP_ASYNC_RESPONSE: [GUIDE.tcpAsyncReply],
    REDIS_ASYNC: [GUIDE.redisValue],
  },
  sync: {
    HTTP_RESPONSE: [GUIDE.httpBody],
    DNS_SYNC: [GUIDE.toResolveAddress],
    HTTP_SYNC_CONTENT: [GUIDE.tcpSyncBody],
    REDIS: [GUIDE.redisEval],
  },
} as const;

/** The scan request the guide's rules expect (the DNS example reads To-Resolve). */
export const guideTask = {
  message: 'From: sender@example.com\r\nTo: rcpt@example.org\r\nSubject: guide\r\nMessage-ID: <guide@example.com>\r\n\r\nHello.\r\n',
  headers: { 'To-Resolve': GUIDE.toResolve },
};

/** Symbol name → options, for comparing scan results across interpreters. */
export function optionsOf(result: { symbols: Record<string, { options?: string[] }> }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, s] of Object.entries(result.symbols)) out[name] = s.options ?? [];
  return out;
}

/** The DNS records the guide's rules look up. */
export const guideZone = {
  'rspamd.com': { records: { A: [GUIDE.dnsRspamd] } },
  [GUIDE.toResolve]: { records: { A: [GUIDE.toResolveAddress] } },
};
