/**
 * The Temporal SDK's runtime for this process: its logs (the SDK's own, the native core's, and
 * workflow and activity context loggers) go to Steward's JSON log, and its metrics, when asked
 * for, to a Prometheus exporter on loopback that the worker's /metrics passes on.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { type Logger, logger } from '../infra/logger';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's logger interface over pino; the SDK's metadata (workflowId, activityType, …) become fields of the line. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly target: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.target[PINO_LEVEL[level]]({ ...meta, source: 'temporal' }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Installs the runtime; call it before anything else touches Temporal's native side (a
 * NativeConnection, a Worker). `sdkMetricsAddress` (host:port) turns on the SDK's Prometheus exporter.
 */
export function installTemporalRuntime(options: { sdkMetricsAddress?: string } = {}): void {
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(options.sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: options.sdkMetricsAddress } } } : {}),
    },
  });
}
