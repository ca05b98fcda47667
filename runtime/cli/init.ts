import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { coraxPath, coraxVersion } from '../version.ts';

export const initUsage = `Usage: corax init [DIR]

Writes a starter project into DIR (default: the current folder): corax.config.ts, one rule,
a test of it with the test interpreter, a sample message and npm scripts. Existing files are kept.

Then: npm install && npm test && npx corax scan messages/
`;

/** The starter project, shipped beside the CLI as files (they are what `corax init` writes). */
const templates = ['corax.config.ts', 'rules/sender-no-mx.ts', 'test/sender-no-mx.test.ts', 'messages/sample.eml'];

function templateDir(): string {
  const dir = coraxPath('templates/init');
  if (!existsSync(join(dir, 'corax.config.ts'))) throw new Error(`the corax init templates are missing from this installation (${dir})`);
  return dir;
}

export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(initUsage);
    return 0;
  }
  const dir = resolve(positionals[0] ?? '.');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const kept: string[] = [];
  const write = (path: string, text: string): void => {
    const file = join(dir, path);
    if (existsSync(file)) return void kept.push(path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    written.push(path);
  };
  const from = templateDir();
  for (const path of templates) write(path, readFileSync(join(from, path), 'utf8'));

  const pkgPath = join(dir, 'package.json');
  const pkg = existsSync(pkgPath) ? (JSON.parse(readFileSync(pkgPath, 'utf8')) as Record<string, Record<string, string> | string>) : { name: basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-') || 'mail-rules', private: 'true', type: 'module' };
  if (pkg.private === 'true') (pkg as Record<string, unknown>).private = true;
  const scripts = ((pkg.scripts as Record<string, string>) ??= {});
  // npm init's placeholder test script is no script of the user's: replace it
  if (!scripts.test || /no test specified/.test(scripts.test)) scripts.test = 'node --import tsx --test test/*.test.ts';
  scripts.scan ??= 'corax scan messages/';
  scripts.serve ??= 'corax serve';
  const deps = ((pkg.dependencies as Record<string, string>) ??= {});
  deps.corax ??= `^${coraxVersion()}`;
  const devDeps = ((pkg.devDependencies as Record<string, string>) ??= {});
  devDeps.tsx ??= '^4.20.0';
  const before = existsSync(pkgPath) ? readFileSync(pkgPath, 'utf8') : '';
  const after = `${JSON.stringify(pkg, null, 2)}\n`;
  if (after !== before) {
    writeFileSync(pkgPath, after);
    written.push(`package.json (scripts: ${Object.keys(scripts).filter((k) => ['test', 'scan', 'serve'].includes(k)).join(', ')}; dependencies: corax, tsx)`);
  } else kept.push('package.json');
  // the rules import each other with .ts extensions, as tsx runs them: a tsconfig that type-checks that
  write('tsconfig.json', `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'] }, include: ['**/*.ts'], exclude: ['node_modules'] }, null, 2)}\n`);

  process.stdout.write(`corax init: ${dir}\n${written.map((f) => `  wrote ${f}\n`).join('')}${kept.map((f) => `  kept  ${f} (exists)\n`).join('')}\nNext: npm install && npm test && npx corax scan messages/\n`);
  return 0;
}
