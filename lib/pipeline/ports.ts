// What the three stages need from the world, as interfaces: the ledger (its types live in
// lib/ledger), the operations queue, the reports store, the provisioning client and a clock.
// functions/ wires the Azure SDK implementations in; tests can pass their own.
import type { ProvisioningClient } from '../provisioning/client.js';
import type { ApiGate } from '../provisioning/gate.js';
import type { DateClock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { InFlightRecords } from './in-flight.js';
import type { SentRecords } from './sent-records.js';

export type {
  HeldThreshold,
  LedgerRecord,
  NewRecord,
  PersonRecord,
  PipelineLedger,
  RecordState,
  RecordSummary,
  RejectedRow,
  RunPlanSummary,
  RunRecord,
  RunRequest,
  RunState,
  SourceState,
  UnusableInput,
} from '../ledger/types.js';
import type { PipelineLedger } from '../ledger/types.js';

/** A message as the queue hands it over. */
export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

/** The operations queue (Azure Queue storage in production). Texts are the decoded message bodies. */
export interface OperationQueue {
  send(text: string, options?: { visibilityTimeoutSeconds?: number }): Promise<void>;
  receive(max: number, visibilityTimeoutSeconds: number): Promise<ReceivedMessage[]>;
  delete(message: Pick<ReceivedMessage, 'messageId' | 'popReceipt'>): Promise<void>;
  /** Makes a received message visible again at once, untouched. */
  release(message: Pick<ReceivedMessage, 'messageId' | 'popReceipt'>): Promise<void>;
  /** Messages in the queue, visible or not (the service's estimate). */
  approximateCount(): Promise<number>;
}

/** Where run reports go (a blob container in production). */
export interface ReportSink {
  write(name: string, content: string, contentType: string): Promise<void>;
}

/** The stages read the time as a Date: lib/core's DateClock. */
export type PipelineClock = DateClock;

export interface PipelineDeps {
  ledger: PipelineLedger;
  queue: OperationQueue;
  logger: Logger;
  clock: PipelineClock;
}

export interface UploadDeps extends PipelineDeps {
  client: Pick<ProvisioningClient, 'uploadBulkRequest'>;
  /** The gate the client draws its calls from, asked for a recent closed answer before taking more messages. */
  gate?: Pick<ApiGate, 'closedHint'>;
  /** How upload waits a moment (a timer in production). */
  sleep?: (ms: number) => Promise<void>;
  /** Records this process knows went (one per process): a report's manager among them is not read again. */
  sent?: Pick<SentRecords, 'add' | 'has'>;
  /** Records this process's uploads hold (one per process): a manager held beside is waited for, one on the queue is taken along. */
  inFlight?: Pick<InFlightRecords, 'hold' | 'release' | 'has' | 'whenFree'>;
}

export interface ReconcileDeps extends PipelineDeps {
  client: Pick<ProvisioningClient, 'queryProvisioningLogs'> & Partial<Pick<ProvisioningClient, 'getJob'>>;
  /** Where the job's state goes for every sender, and what the report says of the budget. */
  gate?: Pick<ApiGate, 'noteJob' | 'view'>;
  poison: OperationQueue;
  reports: ReportSink;
}
