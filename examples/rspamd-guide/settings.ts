/**
 * Where the guide's services live. The Lua page hard-codes 127.0.0.1:18080;
 * tests and the demo point these at servers they start themselves.
 */
export const guide = {
  httpBase: 'http://127.0.0.1:18080',
  tcpHost: '127.0.0.1',
  tcpPort: 18080,
};
