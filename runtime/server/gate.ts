import type { Socket } from 'node:net';

/**
 * Who may hold a connection: at most `max` at once, and at most
 * `perAddress` from one client address. A connection is idle until
 * `busy()` (nothing sent yet, a request still arriving, a keep-alive between
 * requests); when a limit is reached the oldest idle connection within it
 * (that address's own first) is closed to make room, and only when every
 * connection within it is busy is the new one refused.
 */
export class ConnectionGate {
  /** idle connections, oldest first */
  private readonly idle = new Set<Socket>();
  /** connections per client address, oldest first */
  private readonly byAddress = new Map<string, Set<Socket>>();
  /** each counted connection's client address */
  private readonly counted = new Map<Socket, string>();

  constructor(
    readonly max: number,
    readonly perAddress: number,
  ) {}

  /**
   * Lets `socket` in, closing an idle one if a limit is reached; returns
   * why it cannot come in when every connection within the limit is busy.
   */
  admit(socket: Socket): string | undefined {
    const address = socket.remoteAddress ?? '';
    const theirs = this.byAddress.get(address);
    if (theirs && theirs.size >= this.perAddress && !this.evict(theirs)) return 'too many connections from this address (server.maxConnectionsPerAddress is full)';
    if (this.counted.size >= this.max && !this.evict(this.idle)) return 'too many connections (server.maxConnections is full)';
    // looked up again: an eviction may have emptied and dropped the address's set
    let mine = this.byAddress.get(address);
    if (!mine) this.byAddress.set(address, (mine = new Set()));
    mine.add(socket);
    this.counted.set(socket, address);
    this.idle.add(socket);
    socket.once('close', () => this.release(socket));
    return undefined;
  }

  /** A request is in progress on `socket`: it is not closed to make room. */
  busy(socket: Socket): void {
    this.idle.delete(socket);
  }

  /** `socket` waits for its next request: it may be closed to make room. */
  idleAgain(socket: Socket): void {
    if (!socket.destroyed) this.idle.add(socket);
  }

  /** Closes the oldest idle connection among `among`; false when all are busy. */
  private evict(among: Set<Socket>): boolean {
    for (const socket of among) {
      if (!this.idle.has(socket)) continue;
      // counted out now, not when its close event comes, so the room is not given twice
      this.release(socket);
      socket.destroy();
      return true;
    }
    return false;
  }

  private release(socket: Socket): void {
    const address = this.counted.get(socket);
    if (address === undefined) return;
    this.counted.delete(socket);
    this.idle.delete(socket);
    const mine = this.byAddress.get(address)!;
    mine.delete(socket);
    if (!mine.size) this.byAddress.delete(address);
  }
}
