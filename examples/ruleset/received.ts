import type { Task } from 'corax';

/**
 * The sending IP and HELO: from the scan request when the MTA gave them,
 * else from the newest Received header (`from HELO (... [IP])`), as for
 * messages scanned from files.
 */
export function sendingIp(task: Task): string | undefined {
  if (task.getIp()) return task.getIp();
  const received = task.getHeader('received') ?? '';
  return /\[(\d{1,3}(?:\.\d{1,3}){3})\]/.exec(received)?.[1];
}

export function sendingHelo(task: Task): string | undefined {
  if (task.getHelo()) return task.getHelo();
  const received = task.getHeader('received') ?? '';
  return /^from\s+(\S+)/i.exec(received)?.[1];
}

export function senderDomain(task: Task): string | undefined {
  return task.getFrom()?.split('@')[1]?.toLowerCase();
}
