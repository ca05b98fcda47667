/**
 * Where the example rule set's services live. Defaults are fixed loopback
 * ports (the shipped recording was made against them); the environment can
 * move them. Read when a rule runs, so tests and the demo can set them first.
 */
export const services = {
  get http(): string {
    return process.env.CORAX_EXAMPLE_HTTP ?? 'http://127.0.0.1:18080';
  },
  get dns(): string {
    return process.env.CORAX_EXAMPLE_DNS ?? '127.0.0.1:18053';
  },
  get tcpHost(): string {
    return process.env.CORAX_EXAMPLE_TCP_HOST ?? '127.0.0.1';
  },
  get tcpPort(): number {
    return Number(process.env.CORAX_EXAMPLE_TCP_PORT ?? 18025);
  },
};

/** The zones the example lookups use. */
export const zones = {
  dnsbl: 'bl.corax.test',
  uribl: 'uribl.corax.test',
};
