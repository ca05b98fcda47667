// The packed package as users meet it: installed from the tarball into fresh projects of every kind.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
let work = '';
let tarball = '';

const message = 'From: a@b.test\r\nSubject: hello\r\n\r\nbody http://spam.test/\r\n';
const rules = `import { defineSymbol } from 'corax';
export const SUBJ = defineSymbol({ name: 'SUBJ', score: 1, mime: false, callback(task) { task.insertResult('SUBJ', 1, task.getSubject() ?? ''); } });
export const URLS = defineSymbol({ name: 'URLS', score: 2, callback(task) { for (const u of task.getUrls()) task.insertResult('URLS', 1, u.domain); } });
`;
const config = (rulesPath: string): string => `import { defineConfig } from 'corax';
import { SUBJ, URLS } from '${rulesPath}';
export default defineConfig({ symbols: [SUBJ, URLS] });
`;

function sh(cmd: string, args: string[], cwd: string): string {
  const run = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CORAX_LOG_LEVEL: 'warn', NODE_OPTIONS: '' } });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${cwd} exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** A fresh project with the tarball installed: `cjs` (npm init -y), `esm` ("type": "module"), `bare` (no package.json left). */
function project(kind: 'cjs' | 'esm' | 'bare'): string {
  const dir = join(work, kind);
  mkdirSync(dir);
  sh('npm', ['init', '-y'], dir);
  if (kind === 'esm') sh('npm', ['pkg', 'set', 'type=module'], dir);
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir);
  if (kind === 'bare') for (const f of ['package.json', 'package-lock.json']) rmSync(join(dir, f));
  writeFileSync(join(dir, 'rules.ts'), rules);
  writeFileSync(join(dir, 'corax.config.ts'), config('./rules.ts'));
  writeFileSync(join(dir, 'm.eml'), message);
  return dir;
}

const corax = (dir: string, args: string[]) => spawnSync(join(dir, 'node_modules/.bin/corax'), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, CORAX_LOG_LEVEL: 'warn', NODE_OPTIONS: '' } });

async function serveAndScan(dir: string): Promise<Record<string, unknown>> {
  const child = spawn(join(dir, 'node_modules/.bin/corax'), ['serve', '--bind', '127.0.0.1:0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      createInterface({ input: child.stderr! }).on('line', (line) => {
        seen += `${line}\n`;
        try {
          const entry = JSON.parse(line);
          if (typeof entry.url === 'string' && /^listening/.test(entry.msg)) resolve(entry.url);
        } catch {}
      });
      child.once('exit', (code) => reject(new Error(`corax serve exited ${code}: ${seen}`)));
    });
    const res = await fetch(`${url}/checkv2`, { method: 'POST', body: message });
    return ((await res.json()) as { symbols: Record<string, unknown> }).symbols;
  } finally {
    child.kill('SIGTERM');
  }
}

const Pack = suite('the packed package in fresh projects');

Pack.before(() => {
  work = mkdtempSync(join(tmpdir(), 'corax-pack-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
});

Pack.after(() => {
  rmSync(work, { recursive: true, force: true });
});

Pack('ships the build, the CLI, docs and LICENSE, and no TypeScript sources', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  assert.ok(files.includes('package/dist/index.js') && files.includes('package/dist/index.d.ts'));
  assert.ok(files.includes('package/bin/corax.js') && files.includes('package/LICENSE'));
  assert.equal(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('package/templates/')), []);
});

for (const kind of ['cjs', 'esm', 'bare'] as const) {
  Pack(`${kind}: corax scan and corax serve load a .ts config that imports 'corax' and a relative rules file`, async () => {
    const dir = project(kind);
    const scan = corax(dir, ['scan', '--json', 'm.eml']);
    assert.is(scan.status, 0, scan.stderr);
    const result = JSON.parse(scan.stdout);
    assert.equal(Object.keys(result.symbols ?? result[0]?.result?.symbols ?? {}).sort(), ['SUBJ', 'URLS'], scan.stdout);
    const symbols = await serveAndScan(dir);
    assert.equal(Object.keys(symbols).sort(), ['SUBJ', 'URLS']);
  });
}

Pack('every config extension loads in a CommonJS project', () => {
  const dir = join(work, 'cjs');
  const variants: Record<string, string> = {
    'c.mts': config('./rules.ts'),
    'c.cts': `const { defineConfig, defineSymbol } = require('corax');\nmodule.exports = defineConfig({ symbols: [defineSymbol({ name: 'SUBJ', score: 1, mime: false, callback(t: any) { t.insertResult('SUBJ'); } })] });\n`,
    'c.js': `const { defineConfig, defineSymbol } = require('corax');\nmodule.exports = defineConfig({ symbols: [defineSymbol({ name: 'SUBJ', score: 1, mime: false, callback(t) { t.insertResult('SUBJ'); } })] });\n`,
    'c.cjs': `const { defineConfig, defineSymbol } = require('corax');\nmodule.exports = { default: defineConfig({ symbols: [defineSymbol({ name: 'SUBJ', score: 1, mime: false, callback(t) { t.insertResult('SUBJ'); } })] }) };\n`,
    'c.mjs': `import { defineConfig, defineSymbol } from 'corax';\nexport default defineConfig({ symbols: [defineSymbol({ name: 'SUBJ', score: 1, mime: false, callback(t) { t.insertResult('SUBJ'); } })] });\n`,
  };
  for (const [file, text] of Object.entries(variants)) {
    writeFileSync(join(dir, file), text);
    const scan = corax(dir, ['scan', '--json', '--config', file, 'm.eml']);
    assert.is(scan.status, 0, `${file}: ${scan.stderr}`);
    assert.ok(JSON.parse(scan.stdout).symbols.SUBJ, `${file}: ${scan.stdout}`);
  }
});

Pack('a config with a syntax error or one that throws names the file and line, without a loader trace', () => {
  const dir = join(work, 'cjs');
  writeFileSync(join(dir, 'broken.ts'), "import { defineConfig } from 'corax';\nexport default defineConfig({ symbols: [ }\n");
  writeFileSync(join(dir, 'throws.ts'), "import { defineConfig } from 'corax';\n\nthrow new Error('no rules today');\nexport default defineConfig({ symbols: [] });\n");
  const broken = corax(dir, ['scan', '--config', 'broken.ts', 'm.eml']);
  assert.is(broken.status, 2);
  assert.match(broken.stderr, /broken\.ts:2/);
  assert.not.match(broken.stderr, /node:internal|at async/);
  const throws = corax(dir, ['scan', '--config', 'throws.ts', 'm.eml']);
  assert.is(throws.status, 2);
  assert.match(throws.stderr, /throws\.ts:3/);
  assert.match(throws.stderr, /no rules today/);
  assert.not.match(throws.stderr, /node:internal|at async/);
});

Pack('plain node imports it as ESM and requires it from CommonJS', () => {
  const dir = join(work, 'cjs');
  writeFileSync(join(dir, 'a.mjs'), "import { createScanner, defineSymbol } from 'corax';\nconsole.log(typeof createScanner, typeof defineSymbol);\n");
  writeFileSync(join(dir, 'b.cjs'), "const { createScanner, defineSymbol } = require('corax');\nconsole.log(typeof createScanner, typeof defineSymbol);\n");
  assert.is(sh(process.execPath, ['a.mjs'], dir).trim(), 'function function');
  assert.is(sh(process.execPath, ['b.cjs'], dir).trim(), 'function function');
});

for (const resolution of ['NodeNext', 'Bundler'] as const) {
  Pack(`a consumer type-checks under ${resolution} with strict flags and skipLibCheck off`, () => {
    const dir = join(work, 'esm');
    const consumer = `import { createScanner, createTestInterpreter, defineConfig, defineSymbol, dns, http, runSymbol, type Task } from 'corax';
const SENDER_NO_MX = defineSymbol({
  name: 'SENDER_NO_MX',
  score: 2,
  mime: false,
  *callback(task: Task) {
    const domain = task.getFromAddresses('smtp')[0]?.domain;
    if (!domain) return;
    const [err] = yield* dns.request({ type: 'mx', name: domain });
    if (err?.code === 'NXDOMAIN') task.insertResult('SENDER_NO_MX', 1, domain);
    const [herr, res] = yield* http.request({ url: 'http://127.0.0.1:1/', timeout: 100 });
    if (!herr) task.insertResult('HTTP', 1, String(res.code));
  },
});
const config = defineConfig({ symbols: [SENDER_NO_MX] });
const scanner = createScanner(config, { io: createTestInterpreter({ handlers: {} }) });
export const done: Promise<unknown> = Promise.all([scanner.scan('Subject: x\\r\\n\\r\\n'), runSymbol(SENDER_NO_MX, { io: createTestInterpreter({ handlers: {} }) })]);
`;
    writeFileSync(join(dir, `consumer-${resolution}.ts`), consumer);
    writeFileSync(
      join(dir, `tsconfig-${resolution}.json`),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: resolution === 'NodeNext' ? 'NodeNext' : 'ESNext',
          moduleResolution: resolution,
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
        },
        files: [`consumer-${resolution}.ts`],
      }),
    );
    const check = spawnSync(process.execPath, [tsc, '-p', `tsconfig-${resolution}.json`], { cwd: dir, encoding: 'utf8' });
    const errors = check.stdout.split('\n').filter((l) => l.includes('error TS'));
    assert.equal(errors.slice(0, 20), [], `${errors.length} type errors`);
    assert.is(check.status, 0, check.stdout);
  });
}

Pack('corax init in an empty folder, then npm install and npm test there, passes', () => {
  const dir = join(work, 'starter');
  mkdirSync(dir);
  sh(join(work, 'cjs/node_modules/.bin/corax'), ['init'], dir);
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir);
  const test = spawnSync('npm', ['test'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.is(test.status, 0, `${test.stdout}\n${test.stderr}`);
  assert.match(test.stdout, /# pass 2/);
  const scan = corax(dir, ['scan', 'messages/']);
  assert.is(scan.status, 0, scan.stderr);
  assert.match(scan.stdout, /^messages\/sample\.eml\n {2}Action: /);
});

Pack.run();
