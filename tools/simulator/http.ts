// Small HTTP helpers shared by the endpoints: bodies, JSON answers and Graph-style errors.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted; a 50-operation bulk request is far below it. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Thrown when a body is larger than MAX_BODY_BYTES. */
export class BodyTooLargeError extends Error {}

/** Reads the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Per-request ids, echoed the way Graph does. */
export interface RequestIds {
  requestId: string;
  clientRequestId: string;
}

/** Sets Graph's request-id/client-request-id headers and returns them. */
export function stampRequestIds(req: IncomingMessage, res: ServerResponse): RequestIds {
  const requestId = randomUUID();
  const sent = req.headers['client-request-id'];
  const clientRequestId = typeof sent === 'string' && sent !== '' ? sent : requestId;
  res.setHeader('request-id', requestId);
  res.setHeader('client-request-id', clientRequestId);
  return { requestId, clientRequestId };
}

/** Sends a JSON body with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends a Graph error: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function sendGraphError(res: ServerResponse, ids: RequestIds, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    status,
    { error: { code, message, innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId } } },
    headers,
  );
}
