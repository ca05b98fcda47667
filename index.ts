export { defineSymbol } from './runtime/scan/symbol.ts';
export type { SymbolCallback, SymbolDefinition, SymbolOptions, SymbolType } from './runtime/scan/symbol.ts';
import './runtime/families.ts';
export { defineConfig, ConfigError } from './runtime/config/config.ts';
export type { Action, ActionName, Config, ConfigInput, ServerConfig } from './runtime/config/config.ts';
export { createScanner } from './runtime/scan/scanner.ts';
export type { Scanner, ScannerOptions } from './runtime/scan/scanner.ts';
export type { ScanResult, TaskReport } from './runtime/scan/scan.ts';
export { formatResult } from './runtime/cli/format.ts';
export type { Task, Envelope, SymbolResult } from './runtime/scan/task.ts';
export type { MessagePart, MessageUrl } from './runtime/scan/message.ts';

export { http } from './effects/http.ts';
export type { HttpCallbackOptions, HttpConfig, HttpRequestEffect, HttpRequestOptions, HttpResponse, HttpResponseInit, HttpSettings } from './effects/http.ts';
export { dns } from './effects/dns.ts';
export type { DnsAnswers, DnsConfig, DnsRecord, DnsRequestEffect, DnsRequestOptions, DnsSettings, DnsType, MxRecord, SoaRecord, SrvRecord } from './effects/dns.ts';
export { tcp, TcpConnection, CallbackConnection } from './effects/tcp.ts';
export type { TcpConfig, TcpConnectOptions, TcpHandle, TcpRequestOptions, TcpSettings } from './effects/tcp.ts';
export { redis, RedisConnection } from './effects/redis.ts';
export type { RedisCommandResult, RedisConfig, RedisParams, RedisReply, RedisSettings, RedisTarget } from './effects/redis.ts';
export { time } from './effects/time.ts';
export { all, race } from './effects/concurrency.ts';
export type { Effect, EffectDescriptors, EffectResults, EffectType, EffectOf, Instruction, Operation, Result } from './effects/effect.ts';
export { perform, performValue } from './effects/effect.ts';
export { suspend } from './effects/handler.ts';
export type { CancelReason, Clock, EffectContext, Handle, Handler, HandlerResult, HandlerTable, Interpreter, Middleware, Suspension, TaskScope } from './effects/handler.ts';
export { defineFamily, registerFamily } from './effects/family.ts';
export type { EffectFamily, EffectSpec, FamilyConfigs, FamilyDefinition, LiveContext, LiveFactory, LiveModule, Secrets, TestValues } from './effects/family.ts';
export type { FaultKind } from './effects/faults.ts';

export { createLiveInterpreter } from './runtime/interpreters/live.ts';
export type { LiveInterpreter } from './runtime/interpreters/live.ts';
export { createTestInterpreter } from './runtime/interpreters/test.ts';
export type { TestHandler, TestHandlers, TestInterpreter, TestInterpreterOptions, TestValue } from './runtime/interpreters/test.ts';
export type { TraceEntry } from './runtime/interpreters/trace.ts';
export { VirtualClock } from './runtime/interpreters/clock.ts';
export { use, observe } from './runtime/interpreters/use.ts';
export { record, writeRecording } from './runtime/interpreters/record.ts';
export type { Recorder, RecordOptions } from './runtime/interpreters/record.ts';
export { replay } from './runtime/interpreters/replay.ts';
export type { MatchOptions, Replayer, ReplayOptions } from './runtime/interpreters/replay.ts';
export type { RecordingEntry, RecordedResult, RedactOptions } from './runtime/interpreters/recording.ts';
export { runSymbol } from './runtime/scan/run-symbol.ts';
export type { RunSymbolOptions, RunSymbolResult } from './runtime/scan/run-symbol.ts';
export { faults } from './runtime/interpreters/faults.ts';
export type { FaultInjector, FaultPlan, FaultRates, InjectOptions } from './runtime/interpreters/inject.ts';
export { fakeTcp } from './effects/tcp-fake.ts';
export type { FakePeer, FakeTcpOptions } from './effects/tcp-fake.ts';

export {
  CoraxError,
  TimeoutError,
  ConnectionRefusedError,
  ConnectionResetError,
  EndOfStreamError,
  HostNotFoundError,
  DnsRefusedError,
  LimitError,
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
  StalledClockError,
} from './effects/errors.ts';
export { registerErrors } from './effects/errors.ts';
export type { CoraxErrorOptions, ErrorClass, SerializedError } from './effects/errors.ts';
