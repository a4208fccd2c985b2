// Asynchronous processing of accepted bulk requests, the way the provisioning job works through
// its queue: requests in arrival order, records of a request in order, each producing one log
// entry. Record fault rules and unresolved manager references fail a record without touching the
// directory; a retry after the manager exists succeeds.
import { randomUUID } from 'node:crypto';
import { ENTERPRISE_USER_SCHEMA } from '../../lib/scim/schemas.js';
import type { ScimUser } from '../../lib/scim/types.js';
import type { AcceptedOperation } from './bulk-request.js';
import type { SimUser } from './directory.js';
import { diffAttributes, mergeAttributes } from './directory.js';
import type { ModifiedProperty, ProvisioningAction, ProvisioningObjectSummary, ProvisioningResult, ProvisioningStep, ProvisioningStepType } from './log-entry.js';
import type { LogStore } from './log-store.js';
import type { RecordFaultRule } from './options.js';

/** The errorCode of a record whose manager is not (yet) in the directory. Not documented by Microsoft: the simulator's choice. */
export const MANAGER_NOT_FOUND_ERROR_CODE = 'UnresolvedReference';

export interface ProcessorDeps {
  directory: Map<string, SimUser>;
  log: LogStore;
  tenantId: string;
  servicePrincipalId: string;
  processingDelayMs: number;
  logDelayMs: number;
  recordRules: () => readonly RecordFaultRule[];
  onRecordFault: () => void;
  now?: () => number;
}

interface Pending {
  dueAt: number;
  jobId: string;
  operations: AcceptedOperation[];
}

interface Outcome {
  action: ProvisioningAction;
  status: ProvisioningResult;
  steps: ProvisioningStep[];
  modified: ModifiedProperty[];
  error: ProvisioningObjectSummary['provisioningStatusInfo']['errorInformation'];
  target: SimUser | undefined;
}

/** Processes accepted requests after the configured delay, in order. */
export class Processor {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = 0;
  private readonly ruleHits = new Map<RecordFaultRule, Map<string, number>>();
  private readonly now: () => number;
  private held = false;

  constructor(private readonly deps: ProcessorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Queues an accepted request's operations. */
  enqueue(jobId: string, operations: AcceptedOperation[]): void {
    this.queue.push({ dueAt: this.now() + this.deps.processingDelayMs, jobId, operations });
    this.schedule();
  }

  /** Operations accepted but not processed yet. */
  get staged(): number {
    return this.queue.reduce((n, p) => n + p.operations.length, 0);
  }

  /** Requests accepted but not processed yet. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Holds processing (a paused or quarantined job stages uploads but processes none) or resumes it. */
  hold(held: boolean): void {
    this.held = held;
    if (held && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!held) this.schedule();
  }

  /** Stops processing; queued requests are dropped. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.held) return;
    const head = this.queue[0];
    if (head === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.drain();
      },
      Math.max(0, head.dueAt - this.now()),
    );
    this.timer.unref();
  }

  private drain(): void {
    while (!this.held && this.queue.length > 0 && (this.queue[0] as Pending).dueAt <= this.now()) {
      const request = this.queue.shift() as Pending;
      const cycleId = randomUUID();
      for (const op of request.operations) this.processRecord(request.jobId, cycleId, op);
    }
    this.schedule();
  }

  private processRecord(jobId: string, cycleId: string, op: AcceptedOperation): void {
    const started = this.now();
    const data = op.data;
    const externalId = data.externalId;
    const existing = this.deps.directory.get(externalId);
    const outcome = this.injectedFault(externalId, existing) ?? this.managerProblem(data, existing) ?? this.apply(data, existing);
    // Activity times never go backwards, so log order, activity order and skiptokens agree.
    const at = Math.max(this.now(), this.lastActivity + 1);
    this.lastActivity = at;
    const target = outcome.target;
    const entry: ProvisioningObjectSummary = {
      id: randomUUID(),
      activityDateTime: new Date(at).toISOString(),
      tenantId: this.deps.tenantId,
      jobId,
      cycleId,
      changeId: randomUUID(),
      durationInMilliseconds: Math.max(1, at - started),
      provisioningAction: outcome.action,
      provisioningStatusInfo: { status: outcome.status, errorInformation: outcome.error },
      provisioningSteps: outcome.steps,
      modifiedProperties: outcome.modified,
      servicePrincipal: { id: this.deps.servicePrincipalId, displayName: 'API-driven provisioning to Microsoft Entra ID' },
      sourceSystem: { id: this.deps.servicePrincipalId, displayName: 'API', details: {} },
      targetSystem: { id: this.deps.tenantId, displayName: 'Microsoft Entra ID', details: {} },
      initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
      sourceIdentity: { id: externalId, displayName: data.displayName ?? existing?.attributes.displayName ?? '', identityType: 'User', details: {} },
      targetIdentity: {
        id: target?.id ?? '',
        displayName: target?.attributes.displayName ?? '',
        identityType: 'User',
        details: target === undefined ? {} : { employeeId: target.externalId },
      },
    };
    this.deps.log.append(entry, at + this.deps.logDelayMs);
  }

  private injectedFault(externalId: string, existing: SimUser | undefined): Outcome | undefined {
    for (const rule of this.deps.recordRules()) {
      const matches = typeof rule.match === 'string' ? rule.match === externalId : new RegExp(rule.match.source, rule.match.flags.replace('g', '')).test(externalId);
      if (!matches) continue;
      let hits = this.ruleHits.get(rule);
      if (hits === undefined) this.ruleHits.set(rule, (hits = new Map()));
      const count = hits.get(externalId) ?? 0;
      if (rule.times !== undefined && count >= rule.times) continue;
      hits.set(externalId, count + 1);
      this.deps.onRecordFault();
      const status = rule.status ?? 'failure';
      const stepType = rule.stepType ?? 'export';
      return {
        action: existing === undefined ? 'create' : 'update',
        status,
        steps: stepsUpTo(stepType, status, rule.reason),
        modified: [],
        error: {
          errorCode: rule.errorCode,
          reason: rule.reason,
          additionalDetails: rule.additionalDetails ?? null,
          errorCategory: rule.retryable === true ? 'failure' : 'nonServiceFailure',
          recommendedAction: rule.retryable === true ? 'Retry the record later.' : 'Correct the record in the source system, then send it again.',
        },
        target: existing,
      };
    }
    return undefined;
  }

  private managerProblem(data: ScimUser, existing: SimUser | undefined): Outcome | undefined {
    const managerId = data[ENTERPRISE_USER_SCHEMA]?.manager?.value;
    if (managerId === undefined || managerId === '' || managerId === data.externalId || this.deps.directory.has(managerId)) return undefined;
    const reason = `The manager reference ${managerId} could not be resolved: no user with that externalId has been provisioned yet.`;
    return {
      action: existing === undefined ? 'create' : 'update',
      status: 'failure',
      steps: stepsUpTo('referenceResolution', 'failure', reason),
      modified: [],
      error: {
        errorCode: MANAGER_NOT_FOUND_ERROR_CODE,
        reason,
        additionalDetails: `manager.value: ${managerId}`,
        errorCategory: 'nonServiceFailure',
        recommendedAction: "Provision the manager's record first, then send this record again.",
      },
      target: existing,
    };
  }

  private apply(data: ScimUser, existing: SimUser | undefined): Outcome {
    const now = new Date(this.now()).toISOString();
    const record = data as unknown as Record<string, unknown>;
    if (existing === undefined) {
      const user: SimUser = {
        id: randomUUID(),
        externalId: data.externalId,
        attributes: mergeAttributes({}, record) as unknown as ScimUser,
        enabled: data.active !== false,
        createdDateTime: now,
        updatedDateTime: now,
      };
      this.deps.directory.set(user.externalId, user);
      const modified = diffAttributes({}, record);
      modified.push({ displayName: 'accountEnabled', oldValue: null, newValue: String(user.enabled) });
      return { action: 'create', status: 'success', steps: allSteps('success', 'User was created in Microsoft Entra ID'), modified, error: null, target: user };
    }
    const merged = mergeAttributes(existing.attributes as unknown as Record<string, unknown>, record);
    const modified = diffAttributes(existing.attributes as unknown as Record<string, unknown>, merged);
    // A record without `active` leaves the account as it is (the reported disable-on-missing is unconfirmed).
    const enabled = typeof data.active === 'boolean' ? data.active : existing.enabled;
    if (enabled !== existing.enabled) modified.push({ displayName: 'accountEnabled', oldValue: String(existing.enabled), newValue: String(enabled) });
    if (modified.length === 0) {
      return { action: 'other', status: 'skipped', steps: skippedSteps(), modified, error: null, target: existing };
    }
    const updated: SimUser = { ...existing, attributes: merged as unknown as ScimUser, enabled, updatedDateTime: now };
    this.deps.directory.set(updated.externalId, updated);
    const disabling = existing.enabled && !enabled;
    return {
      action: disabling ? 'disable' : 'update',
      status: 'success',
      steps: allSteps('success', disabling ? 'User was disabled in Microsoft Entra ID' : 'User was updated in Microsoft Entra ID'),
      modified,
      error: null,
      target: updated,
    };
  }
}

const STEP_ORDER: readonly ProvisioningStepType[] = ['import', 'scoping', 'matching', 'processing', 'referenceResolution', 'export'];
const STEP_NAMES: Readonly<Record<ProvisioningStepType, string>> = {
  import: 'EntryImport',
  scoping: 'EntryScoping',
  matching: 'EntryMatching',
  processing: 'EntrySynchronization',
  referenceResolution: 'EntryReferenceResolution',
  export: 'EntryExport',
};

function step(type: ProvisioningStepType, status: ProvisioningResult, description: string): ProvisioningStep {
  return { provisioningStepType: type, status, name: STEP_NAMES[type], description, details: {} };
}

function allSteps(status: ProvisioningResult, exportDescription: string): ProvisioningStep[] {
  return STEP_ORDER.map((t) => step(t, status, t === 'export' ? exportDescription : `${STEP_NAMES[t]} completed`));
}

function stepsUpTo(last: ProvisioningStepType, status: ProvisioningResult, description: string): ProvisioningStep[] {
  const index = STEP_ORDER.indexOf(last);
  return STEP_ORDER.slice(0, index + 1).map((t) => (t === last ? step(t, status, description) : step(t, 'success', `${STEP_NAMES[t]} completed`)));
}

function skippedSteps(): ProvisioningStep[] {
  return [
    step('import', 'success', 'Received the record from the API'),
    step('scoping', 'success', 'The record is in scope'),
    step('matching', 'success', 'A user with this externalId exists'),
    step('processing', 'skipped', 'No attribute changed; nothing to export'),
  ];
}
