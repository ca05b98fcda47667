import { actionNames } from '../config/config.ts';

/** Server counters: what /stat shows as JSON and /metrics in Prometheus text. */
export class Stats {
  readonly started = Date.now();
  scanned = 0;
  failed = 0;
  timedOut = 0;
  scanSeconds = 0;
  active = 0;
  readonly actions: Record<string, number> = Object.fromEntries([...actionNames, 'no action'].map((a) => [a, 0]));
  readonly errors: Record<string, number> = {};

  scanDone(action: string, seconds: number, timedOut: boolean): void {
    this.scanned++;
    this.scanSeconds += seconds;
    this.actions[action] = (this.actions[action] ?? 0) + 1;
    if (timedOut) this.timedOut++;
  }

  error(status: number): void {
    this.errors[status] = (this.errors[status] ?? 0) + 1;
  }

  json(): Record<string, unknown> {
    return {
      scanned: this.scanned,
      actions: { ...this.actions },
      avg_scan_time: this.scanned ? this.scanSeconds / this.scanned : 0,
      timed_out: this.timedOut,
      failed: this.failed,
      active: this.active,
      errors: { ...this.errors },
      uptime: Math.round((Date.now() - this.started) / 1000),
      pid: process.pid,
      rss: process.memoryUsage.rss(),
      handles: process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length,
    };
  }

  prometheus(): string {
    const lines = [
      '# HELP corax_scanned_total Messages scanned.',
      '# TYPE corax_scanned_total counter',
      `corax_scanned_total ${this.scanned}`,
      '# HELP corax_actions_total Scans by resulting action.',
      '# TYPE corax_actions_total counter',
      ...Object.entries(this.actions).map(([a, n]) => `corax_actions_total{action="${a}"} ${n}`),
      '# HELP corax_scan_seconds Time spent scanning.',
      '# TYPE corax_scan_seconds summary',
      `corax_scan_seconds_sum ${this.scanSeconds}`,
      `corax_scan_seconds_count ${this.scanned}`,
      '# HELP corax_scan_timeouts_total Scans ended by the task timeout.',
      '# TYPE corax_scan_timeouts_total counter',
      `corax_scan_timeouts_total ${this.timedOut}`,
      '# HELP corax_scan_failures_total Scans that failed (no result).',
      '# TYPE corax_scan_failures_total counter',
      `corax_scan_failures_total ${this.failed}`,
      '# HELP corax_active_scans Scans in progress.',
      '# TYPE corax_active_scans gauge',
      `corax_active_scans ${this.active}`,
      '# HELP corax_request_errors_total Requests answered with an error status.',
      '# TYPE corax_request_errors_total counter',
      ...Object.entries(this.errors).map(([s, n]) => `corax_request_errors_total{status="${s}"} ${n}`),
      '# HELP corax_resident_memory_bytes Resident set size.',
      '# TYPE corax_resident_memory_bytes gauge',
      `corax_resident_memory_bytes ${process.memoryUsage.rss()}`,
      '# HELP corax_uptime_seconds Seconds since the server started.',
      '# TYPE corax_uptime_seconds gauge',
      `corax_uptime_seconds ${Math.round((Date.now() - this.started) / 1000)}`,
    ];
    return `${lines.join('\n')}\n`;
  }
}
