/** Debian's Chromium, headless, driven by playwright-core: for the HTML reports. Missing, the test fails and says how to get it. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is not at ${executablePath}: install Debian's package (apt-get install chromium), as .ci/run does, or set CHROMIUM to its path`);
  }
  // the machine's network is closed: no background traffic, no sandbox (root in CI)
  return chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
