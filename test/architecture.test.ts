// The import graph: dependencies point one way (examples → index → runtime → effects; runtime wires modules in; modules import effects only).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...files(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module a file imports: project files as root-relative paths, packages by name. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((spec) => (spec.startsWith('.') ? normalize(relative(root, join(root, dirname(file), spec))) : spec));
}

const top = (path: string): string => path.split('/')[0];
const Graph = suite('architecture: the import graph');

Graph('effects/ imports nothing outside effects/ (computing built-ins aside): pure, no I/O', () => {
  for (const file of files('effects')) {
    for (const dep of imports(file)) {
      const ok = dep.startsWith('effects/') || ['node:buffer', 'node:crypto'].includes(dep);
      assert.ok(ok, `${file} imports ${dep}`);
    }
  }
});

Graph('modules/ imports effects/ and itself, never runtime/', () => {
  for (const file of files('modules')) {
    for (const dep of imports(file)) {
      if (dep.includes('/') && ['effects', 'modules', 'runtime', 'examples', 'test', 'bench'].includes(top(dep))) {
        assert.ok(top(dep) === 'effects' || top(dep) === 'modules', `${file} imports ${dep}`);
      }
    }
  }
});

Graph('runtime/ reaches modules/ through runtime/families.ts alone, and never index.ts, examples/ or test/', () => {
  for (const file of files('runtime')) {
    for (const dep of imports(file)) {
      if (top(dep) === 'modules') assert.is(file, 'runtime/families.ts', `${file} imports ${dep}`);
      assert.ok(dep !== 'index.ts' && top(dep) !== 'examples' && top(dep) !== 'test', `${file} imports ${dep}`);
    }
  }
});

Graph('no protocol code in runtime/: no socket, DNS or HTTP client libraries', () => {
  const protocol = ['node:net', 'node:dgram', 'node:tls', 'undici', 'ioredis', 'dns-packet'];
  // the scan server and the CLI listen for clients; they are not effect families
  const servers = (file: string): boolean => file.startsWith('runtime/server/') || file.startsWith('runtime/cli/');
  for (const file of files('runtime')) {
    if (servers(file)) continue;
    for (const dep of imports(file)) assert.not.ok(protocol.includes(dep), `${file} imports ${dep}`);
  }
});

Graph('no list of effect type strings outside effects/ and modules/', () => {
  for (const file of files('runtime')) {
    // comments may show an example; code may not carry a list
    const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    const types = text.match(/'(?:http|dns|tcp|redis)\.[a-z]+'/g) ?? [];
    assert.equal(types, [], `${file} names effect types`);
  }
});

Graph.run();
