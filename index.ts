export { defineSymbol } from './runtime/symbol.ts';
export type { SymbolCallback, SymbolDefinition, SymbolOptions, SymbolType } from './runtime/symbol.ts';
export { defineConfig, ConfigError } from './runtime/config.ts';
export type { Action, ActionName, Config, ConfigInput, DnsConfig, HttpConfig, RedisConfig, ServerConfig, TcpConfig } from './runtime/config.ts';
export { createScanner } from './runtime/scanner.ts';
export type { Scanner, ScannerOptions } from './runtime/scanner.ts';
export type { ScanResult, TaskReport } from './runtime/scan.ts';
export { formatResult } from './runtime/cli/format.ts';
export type { Task, Envelope, SymbolResult } from './runtime/task.ts';
export type { MessagePart, MessageUrl } from './runtime/message.ts';

export { http } from './effects/http.ts';
export type { HttpCallbackOptions, HttpRequestEffect, HttpRequestOptions, HttpResponse } from './effects/http.ts';
export { dns } from './effects/dns.ts';
export type { DnsAnswers, DnsRecord, DnsRequestEffect, DnsRequestOptions, DnsType, MxRecord, SoaRecord, SrvRecord } from './effects/dns.ts';
export { tcp, TcpConnection, CallbackConnection } from './effects/tcp.ts';
export type { TcpConnectOptions, TcpHandle, TcpRequestOptions } from './effects/tcp.ts';
export { redis, RedisConnection } from './effects/redis.ts';
export type { RedisParams, RedisReply, RedisTarget } from './effects/redis.ts';
export { time } from './effects/time.ts';
export { all, race } from './effects/concurrency.ts';
export type { Effect, EffectResults, EffectType, EffectOf, Operation, Result } from './effects/effect.ts';
export { suspend } from './effects/handler.ts';
export type { Clock, EffectContext, Handle, Handler, HandlerResult, HandlerTable, Interpreter, Middleware, Suspension, TaskScope } from './effects/handler.ts';

export { createLiveInterpreter } from './runtime/live-interpreter.ts';
export type { LiveInterpreter } from './runtime/live-interpreter.ts';
export { createTestInterpreter } from './runtime/test-interpreter.ts';
export type { HttpResponseInit, TestHandler, TestHandlers, TestInterpreter, TestInterpreterOptions } from './runtime/test-interpreter.ts';
export type { TraceEntry } from './runtime/trace.ts';
export { VirtualClock } from './runtime/clock.ts';
export { use, observe } from './runtime/interpreter.ts';
export { record, writeRecording } from './runtime/record.ts';
export type { Recorder, RecordOptions } from './runtime/record.ts';
export { replay } from './runtime/replay.ts';
export type { MatchOptions, Replayer, ReplayOptions } from './runtime/replay.ts';
export type { RecordingEntry, RecordedResult, RedactOptions } from './runtime/recording.ts';
export { runSymbol } from './runtime/run-symbol.ts';
export type { RunSymbolOptions, RunSymbolResult } from './runtime/run-symbol.ts';
export { faults } from './runtime/faults.ts';
export type { FaultInjector, FaultPlan, FaultRates, InjectOptions } from './runtime/inject.ts';
export { fakeTcp } from './runtime/fake-tcp.ts';
export type { FakePeer, FakeTcpOptions } from './runtime/fake-tcp.ts';

export {
  CoraxError,
  TimeoutError,
  ConnectionRefusedError,
  NxdomainError,
  NodataError,
  DnsTimeoutError,
  ServfailError,
  ForbiddenError,
  TooBigError,
  CanceledError,
  SocketError,
  RedisReplyError,
  ArgumentError,
  UnexpectedEffectError,
  DivergenceError,
} from './effects/errors.ts';
export type { SerializedError } from './effects/errors.ts';
