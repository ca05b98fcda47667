/**
 * A new effect family defined outside effects/ through the public API, with
 * no change to runtime/: an antivirus check against a clamd-like server.
 * It runs live (its own module on node:net against a local server), under
 * the test interpreter, recorded and replayed, with its timeout, its config
 * section and its own error class everywhere.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import {
  CoraxError,
  createLiveInterpreter,
  createScanner,
  createTestInterpreter,
  defineConfig,
  defineFamily,
  defineSymbol,
  faults,
  perform,
  record,
  registerFamily,
  replay,
  TimeoutError,
  type Interpreter,
  type LiveModule,
  type Operation,
  type RecordingEntry,
  type Result,
} from '../../index.ts';
import { onlyKeys, positive, section } from '../../effects/config-check.ts';
import { silent } from '../support/logger.ts';

// ---- the family, as a user would write it in their own project

interface ClamScanEffect {
  readonly type: 'clam.scan';
  server: string;
  /** The bytes to scan, as text. */
  data: string;
  timeout?: number;
}

interface ClamVerdict {
  infected: boolean;
  virus: string | null;
}

interface ClamConfig {
  timeout?: number;
}

interface ClamSettings {
  readonly timeout: number;
}

declare module '../../index.ts' {
  interface EffectDescriptors {
    'clam.scan': ClamScanEffect;
  }
  interface EffectResults {
    'clam.scan': ClamVerdict;
  }
  interface FamilyConfigs {
    clam: [ClamConfig, ClamSettings];
  }
  interface TestValues {
    'clam.scan': Partial<ClamVerdict>;
  }
}

/** The server answered something that is not a verdict. */
class ClamProtocolError extends CoraxError {
  override name = 'ClamProtocolError';
  constructor(readonly answer: string) {
    super('ECLAM', `clamd answered ${JSON.stringify(answer)}`);
  }
  protected override fields(): Record<string, unknown> {
    return { answer: this.answer };
  }
}

const clamFamily = defineFamily<'clam.scan', ClamSettings>({
  name: 'clam',
  config: {
    key: 'clam',
    resolve(input) {
      const clam = section('clam', input);
      onlyKeys('clam', clam, ['timeout']);
      return { timeout: positive('clam.timeout', clam.timeout, 2000) };
    },
  },
  effects: {
    'clam.scan': {
      timeout: (e, s) => e.timeout ?? s?.timeout ?? 2000,
      timeoutError: () => new TimeoutError('clamd did not answer in time'),
      describe: (e) => `${e.server} ${e.data.length} bytes`,
      testValue: (v) => ({ infected: false, virus: null, ...(v as Partial<ClamVerdict>) }),
    },
  },
  errors: [ClamProtocolError],
});

/** The rule-facing constructor. */
function scan(server: string, data: string, timeout?: number): Operation<Result<ClamVerdict>> {
  return perform({ type: 'clam.scan', server, data, ...(timeout === undefined ? {} : { timeout }) });
}

/** The live module: one line out, one line back. */
function createClamModule(): LiveModule<'clam.scan'> {
  const sockets = new Set<net.Socket>();
  return {
    handlers: {
      'clam.scan': (effect, ctx) =>
        new Promise<ClamVerdict>((resolve, reject) => {
          const [host, port] = effect.server.split(':');
          const socket = net.connect({ host, port: Number(port) });
          sockets.add(socket);
          let answer = '';
          ctx.onCancel(() => socket.destroy());
          socket.on('connect', () => socket.write(`SCAN ${Buffer.from(effect.data).toString('base64')}\n`));
          socket.on('data', (chunk) => {
            answer += chunk.toString();
            if (!answer.endsWith('\n')) return;
            socket.end();
            const line = answer.trim();
            if (line === 'OK') resolve({ infected: false, virus: null });
            else if (line.startsWith('FOUND ')) resolve({ infected: true, virus: line.slice(6) });
            else reject(new ClamProtocolError(line));
          });
          socket.on('error', (error) => reject(error));
          socket.on('close', () => sockets.delete(socket));
        }),
    },
    close: () => {
      for (const s of sockets) s.destroy();
    },
    resources: () => ({ clamSockets: sockets.size }),
  };
}

registerFamily(clamFamily, { live: createClamModule });

// ---- a rule that uses it

let server = '';
const VIRUS_CHECK = defineSymbol({
  name: 'VIRUS_CHECK',
  *callback(task) {
    for (const part of ['clean text', 'X5O!P%@AP EICAR', 'GARBLE', 'HANG']) {
      const [err, verdict] = yield* scan(server, part, part === 'HANG' ? 150 : undefined);
      if (err) task.insertResult('CLAM_ERROR', 1, `${err.constructor.name} ${err.code} ${err.message}`);
      else task.insertResult(verdict.infected ? 'CLAM_VIRUS' : 'CLAM_CLEAN', 1, verdict.virus ?? part);
    }
  },
});

const expected = {
  CLAM_CLEAN: ['clean text'],
  CLAM_VIRUS: ['Eicar-Test-Signature'],
  CLAM_ERROR: ['ClamProtocolError ECLAM clamd answered "ERROR what"', 'TimeoutError ETIMEDOUT clamd did not answer in time'],
};

function optionsOf(result: Awaited<ReturnType<ReturnType<typeof createScanner>['scan']>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(result.symbols).map(([name, s]) => [name, s.options ?? []]));
}

async function scanWith(io: Interpreter) {
  return createScanner({ symbols: [VIRUS_CHECK] }, { io, logger: silent }).scan('Subject: x\r\n\r\nbody\r\n', { queueId: 'clam-1' });
}

const Custom = suite('a family defined outside effects/');
let clamd: net.Server;

Custom.before(async () => {
  clamd = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      const data = Buffer.from(chunk.toString().trim().split(' ')[1] ?? '', 'base64').toString();
      if (data.includes('HANG')) return;
      if (data.includes('EICAR')) socket.write('FOUND Eicar-Test-Signature\n');
      else if (data.includes('GARBLE')) socket.write('ERROR what\n');
      else socket.write('OK\n');
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => clamd.listen(0, '127.0.0.1', r));
  server = `127.0.0.1:${(clamd.address() as net.AddressInfo).port}`;
});

Custom.after(async () => {
  await new Promise<void>((r) => clamd.close(() => r()));
});

Custom('its config section is validated with the others', () => {
  assert.is(defineConfig({ symbols: [], clam: { timeout: 300 } }).clam.timeout, 300);
  assert.is(defineConfig({ symbols: [] }).clam.timeout, 2000);
  assert.throws(() => defineConfig({ symbols: [], clam: { timeout: -1 } }), /clam\.timeout is -1; expected a positive number/);
});

Custom('live, recorded, then replayed offline with the server gone: the same results, its error class included', async () => {
  let entries: RecordingEntry[] = [];
  const io = record(createLiveInterpreter(), { sink: (e) => (entries = e) });
  const live = await scanWith(io);
  await io.close();
  assert.equal(optionsOf(live), expected);
  assert.is(entries.length, 4);
  const replayed = await scanWith(replay({ entries }));
  assert.equal(optionsOf(replayed), expected);
  assert.equal(entries.find((e) => 'ok' in e.result && !e.result.ok)?.result, {
    ok: false,
    error: { answer: 'ERROR what', name: 'ClamProtocolError', code: 'ECLAM', message: 'clamd answered "ERROR what"' },
  });
});

Custom('under the test interpreter, with its test values and its timeout on the virtual clock', async () => {
  const io = createTestInterpreter({
    handlers: {
      'clam.scan': (effect) => {
        if (effect.data.includes('EICAR')) return { infected: true, virus: 'Eicar-Test-Signature' };
        if (effect.data.includes('GARBLE')) return new ClamProtocolError('ERROR what');
        if (effect.data.includes('HANG')) throw faults.timeout(); // a peer that never answers: the family's timeout fires
        return {}; // the family's testValue fills in a clean verdict
      },
    },
  });
  const result = await scanWith(io);
  assert.equal(optionsOf(result), expected);
  assert.is(result.timeReal, 0.15);
});

Custom.run();
