// The Graph operations hrsync calls: bulkUpload (validate, rate-limit, daily quota, accept with 202 and
// queue for processing) and the provisioning logs list (filter, page).
import type { AcceptedOperation } from './bulk-request.js';
import { checkBulkRequest } from './bulk-request.js';
import { pickRequestFault } from './faults.js';
import { BodyTooLargeError, readBody, sendGraphError, sendJson } from './http.js';
import { FilterError, compileFilter } from './log-filter.js';
import { SkipTokenError } from './log-store.js';
import { JOB_READ_ROLES, jobResource } from './job.js';
import { LOG_READ_ROLES, UPLOAD_ROLES } from './options.js';
import { SCHEMA_WRITE_ROLES, checkSchemaBody } from './schema.js';
import type { Exchange, SimState } from './state.js';
import { SCIM_CONTENT_TYPE } from '../../lib/scim/schemas.js';

const BULK_UPLOAD = /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/bulkUpload\/?$/;
const JOB = /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/?$/;
const PROVISIONING_LOGS = /^\/(v1\.0|beta)\/auditLogs\/provisioning\/?$/;
const SCHEMA = /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/schema\/?$/;

/** Whether the path belongs to Graph (a version segment first). */
export function isGraphPath(pathname: string): boolean {
  return pathname.startsWith('/v1.0/') || pathname.startsWith('/beta/');
}

/** Answers a Graph path. */
export async function handleGraph(state: SimState, ex: Exchange): Promise<void> {
  const upload = BULK_UPLOAD.exec(ex.url.pathname);
  if (upload !== null) {
    if (ex.req.method !== 'POST') {
      sendGraphError(ex.res, ex.ids, 405, 'Request_BadRequest', 'bulkUpload accepts POST only.');
      return;
    }
    const [, version, spId, jobId] = upload as unknown as [string, string, string, string];
    await handleBulkUpload(state, ex, version, decodeURIComponent(spId), decodeURIComponent(jobId));
    return;
  }
  const job = JOB.exec(ex.url.pathname);
  if (job !== null && ex.req.method === 'GET') {
    const [, , spId, jobId] = job as unknown as [string, string, string, string];
    handleJob(state, ex, decodeURIComponent(spId), decodeURIComponent(jobId));
    return;
  }
  const logs = PROVISIONING_LOGS.exec(ex.url.pathname);
  if (logs !== null && ex.req.method === 'GET') {
    handleProvisioningLogs(state, ex, logs[1] as string);
    return;
  }
  const schema = SCHEMA.exec(ex.url.pathname);
  if (schema !== null) {
    const [, , spId, jobId] = schema as unknown as [string, string, string, string];
    await handleSchema(state, ex, decodeURIComponent(spId), decodeURIComponent(jobId));
    return;
  }
  sendGraphError(ex.res, ex.ids, 404, 'Request_ResourceNotFound', `Resource not found for ${ex.req.method ?? ''} ${ex.url.pathname} in the provisioning simulator.`);
}

/** Checks the bearer token and roles; answers 401/403 and returns false when they do not do. */
function authorize(state: SimState, ex: Exchange, roles: readonly string[], action: string): boolean {
  const check = state.tokens.check(ex.req.headers.authorization, 'graph');
  if (!check.ok) {
    const message = {
      missing: 'Access token is empty.',
      unknown: 'Access token validation failure. Invalid audience or unknown token.',
      expired: 'Lifetime validation failed, the token is expired.',
      audience: 'Access token validation failure. Invalid audience: the token is not for Microsoft Graph.',
    }[check.reason];
    sendGraphError(ex.res, ex.ids, 401, 'InvalidAuthenticationToken', message);
    return false;
  }
  if (!roles.some((r) => check.token.roles.includes(r))) {
    sendGraphError(
      ex.res,
      ex.ids,
      403,
      'Authorization_RequestDenied',
      `Insufficient privileges to ${action}. The application needs the ${roles.join(' or ')} permission with admin consent.`,
    );
    return false;
  }
  return true;
}

async function handleBulkUpload(state: SimState, ex: Exchange, version: string, spId: string, jobId: string): Promise<void> {
  const { res, ids } = ex;
  state.stats.requests++;
  let body: string;
  try {
    body = await readBody(ex.req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendGraphError(res, ids, 413, 'RequestEntityTooLarge', error.message);
    return;
  }
  if (!authorize(state, ex, UPLOAD_ROLES, 'upload to the synchronization job')) return;
  if (spId !== state.opts.servicePrincipalId) {
    sendGraphError(res, ids, 404, 'Request_ResourceNotFound', `Resource '${spId}' does not exist or one of its queried reference-property objects are not present.`);
    return;
  }
  if (jobId !== state.opts.jobId) {
    sendGraphError(res, ids, 404, 'Request_ResourceNotFound', `The synchronization job '${jobId}' was not found on this service principal.`);
    return;
  }
  const rate = state.limiter?.take(Date.now());
  if (rate !== undefined && !rate.allowed) {
    state.stats.throttled++;
    state.stats.refusedBy.rateLimit++;
    const { requests, windowSeconds } = state.opts.rateLimit as { requests: number; windowSeconds: number };
    sendGraphError(res, ids, 429, 'TooManyRequests', `Too many requests: the limit is ${requests} requests in ${windowSeconds} seconds per job.`, {
      'Retry-After': String(rate.retryAfterSeconds),
    });
    return;
  }
  const quota = state.quota?.take(Date.now());
  if (quota !== undefined && !quota.allowed) {
    state.stats.throttled++;
    state.stats.refusedBy.dailyQuota++;
    // The service's answer past the daily quota is not documented; a 429 with Retry-After is the simulator's choice.
    sendGraphError(res, ids, 429, 'TooManyRequests', 'The daily quota of bulkUpload calls for this tenant is used up.', { 'Retry-After': String(quota.retryAfterSeconds) });
    return;
  }
  if (injectFault(state, ex, jobId)) return;
  if (state.job.status !== 'Active' && state.processor.backlog >= state.opts.bucketCapacity) {
    state.stats.faults++;
    state.stats.refusedBy.bucketFullNotActive++;
    sendBucketFull(ex, jobId);
    return;
  }

  const mediaType = (ex.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== SCIM_CONTENT_TYPE) {
    sendGraphError(res, ids, 400, 'BadRequest', `Invalid Data Format: the Content-Type header must be ${SCIM_CONTENT_TYPE}.`);
    return;
  }
  const checked = checkBulkRequest(body);
  if (!checked.ok) {
    sendGraphError(res, ids, 400, 'BadRequest', checked.message);
    return;
  }
  accept(state, jobId, checked.operations);
  // Spelled as the documented example: spaces escaped, quotes literal.
  const location = `${state.baseUrl}/${version}/auditLogs/provisioning/?$filter=jobid%20eq%20'${encodeURIComponent(jobId)}'`;
  res.writeHead(202, { Location: location, 'Content-Length': '0' });
  res.end();
}

function accept(state: SimState, jobId: string, operations: AcceptedOperation[]): void {
  state.stats.accepted++;
  state.stats.acceptedAt.push(Date.now());
  state.stats.recordsReceived += operations.length;
  for (const op of operations) {
    const id = op.data.externalId;
    state.stats.perRecordSends.set(id, (state.stats.perRecordSends.get(id) ?? 0) + 1);
  }
  state.processor.enqueue(jobId, operations);
}

/** Answers with an injected fault when the draw says so; returns whether it did. */
function injectFault(state: SimState, ex: Exchange, jobId: string): boolean {
  const fault = pickRequestFault(state.faults, state.random());
  if (fault === undefined) return false;
  state.stats.refusedBy[fault]++;
  const { res, ids } = ex;
  switch (fault) {
    case 'throttle': {
      state.stats.throttled++;
      const after = state.faults.retryAfterSeconds === undefined ? 1 : state.faults.retryAfterSeconds;
      sendGraphError(res, ids, 429, 'TooManyRequests', 'Too many requests. Retry later.', after === null ? {} : { 'Retry-After': String(after) });
      return true;
    }
    case 'error500':
      state.stats.faults++;
      sendGraphError(res, ids, 500, 'InternalServerError', 'An internal server error occurred. Retry the request.');
      return true;
    case 'error503':
      state.stats.faults++;
      sendGraphError(res, ids, 503, 'ServiceUnavailable', 'The service is temporarily unavailable. Retry the request later.');
      return true;
    case 'bucketFull':
      state.stats.faults++;
      sendBucketFull(ex, jobId);
      return true;
    case 'drop':
      state.stats.faults++;
      ex.req.socket.destroy();
      return true;
  }
}

function sendBucketFull(ex: Exchange, jobId: string): void {
  sendGraphError(
    ex.res,
    ex.ids,
    500,
    'InternalServerError',
    `The bucket for synchronization job '${jobId}' is full: the job has more queued requests than it can hold. Retry after it has processed them.`,
  );
}

function handleJob(state: SimState, ex: Exchange, spId: string, jobId: string): void {
  if (!authorize(state, ex, JOB_READ_ROLES, 'read the synchronization job')) return;
  if (spId !== state.opts.servicePrincipalId || jobId !== state.opts.jobId) {
    sendGraphError(ex.res, ex.ids, 404, 'Request_ResourceNotFound', `The synchronization job '${jobId}' was not found on this service principal.`);
    return;
  }
  const s = state.stats;
  sendJson(ex.res, 200, {
    '@odata.context': `${state.baseUrl}/v1.0/$metadata#servicePrincipals('${spId}')/synchronization/jobs/$entity`,
    ...jobResource(
      jobId,
      state.job,
      { began: state.startedAt, changed: state.job.changedAt },
      { imported: s.recordsReceived, exported: s.recordsReceived - state.processor.staged, escrowed: 0 },
    ),
  });
}

function handleProvisioningLogs(state: SimState, ex: Exchange, version: string): void {
  const { res, ids, url } = ex;
  if (!authorize(state, ex, LOG_READ_ROLES, 'read the provisioning logs')) return;
  const q = url.searchParams;
  for (const key of q.keys()) {
    if (!['$filter', '$top', '$skiptoken', '$orderby'].includes(key)) {
      sendGraphError(res, ids, 400, 'BadRequest', `Query option '${key}' is not supported by the provisioning logs.`);
      return;
    }
  }
  const orderBy = q.get('$orderby');
  if (orderBy !== null && !/^activityDateTime(\s+asc)?$/i.test(orderBy.trim())) {
    sendGraphError(res, ids, 400, 'BadRequest', 'The simulator orders by activityDateTime ascending only.');
    return;
  }
  const topText = q.get('$top');
  const top = topText === null ? state.opts.pageSize : Number(topText);
  if (!Number.isInteger(top) || top < 1) {
    sendGraphError(res, ids, 400, 'BadRequest', 'Invalid $top: it must be a positive integer.');
    return;
  }
  const filterText = q.get('$filter');
  let page;
  try {
    const predicate = filterText === null || filterText.trim() === '' ? () => true : compileFilter(filterText);
    page = state.log.page(predicate, Math.min(top, state.opts.pageSize), Date.now(), q.get('$skiptoken') ?? undefined);
  } catch (error) {
    if (error instanceof FilterError || error instanceof SkipTokenError) {
      sendGraphError(res, ids, 400, 'BadRequest', `Invalid filter clause: ${error.message}`);
      return;
    }
    throw error;
  }
  const body: Record<string, unknown> = { '@odata.context': `${state.baseUrl}/${version}/$metadata#auditLogs/provisioning`, value: page.entries };
  if (page.nextSkipToken !== undefined) {
    const next = new URL(`${state.baseUrl}/${version}/auditLogs/provisioning`);
    if (filterText !== null) next.searchParams.set('$filter', filterText);
    if (topText !== null) next.searchParams.set('$top', topText);
    if (orderBy !== null) next.searchParams.set('$orderby', orderBy);
    next.searchParams.set('$skiptoken', page.nextSkipToken);
    body['@odata.nextLink'] = next.toString();
  }
  sendJson(res, 200, body);
}

async function handleSchema(state: SimState, ex: Exchange, spId: string, jobId: string): Promise<void> {
  const { req, res, ids } = ex;
  if (req.method !== 'GET' && req.method !== 'PUT') {
    sendGraphError(res, ids, 405, 'Request_BadRequest', 'The synchronization schema accepts GET and PUT only.');
    return;
  }
  let body = '';
  if (req.method === 'PUT') {
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendGraphError(res, ids, 413, 'RequestEntityTooLarge', error.message);
      return;
    }
  }
  const reading = req.method === 'GET';
  if (!authorize(state, ex, reading ? JOB_READ_ROLES : SCHEMA_WRITE_ROLES, reading ? 'read the synchronization schema' : 'update the synchronization schema')) return;
  if (spId !== state.opts.servicePrincipalId || jobId !== state.opts.jobId) {
    sendGraphError(res, ids, 404, 'Request_ResourceNotFound', `The synchronization job '${jobId}' was not found on this service principal.`);
    return;
  }
  if (reading) {
    sendJson(res, 200, {
      '@odata.context': `${state.baseUrl}/v1.0/$metadata#servicePrincipals('${spId}')/synchronization/jobs('${jobId}')/schema/$entity`,
      ...structuredClone(state.schema),
    });
    return;
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    sendGraphError(res, ids, 400, 'BadRequest', 'The Content-Type header must be application/json.');
    return;
  }
  const checked = checkSchemaBody(body);
  if (!checked.ok) {
    sendGraphError(res, ids, 400, 'BadRequest', checked.message);
    return;
  }
  // A PUT replaces the whole schema; the service stamps a new version on every change.
  const { '@odata.context': _annotation, ...schema } = checked.schema;
  state.schema = { ...schema, version: `Date:${new Date().toISOString()}~User:simulator` };
  res.writeHead(204);
  res.end();
}
