// The ReportSink port on a blob container: <runId>/report.json, problems.csv and report.html.
import type { ContainerClient } from '@azure/storage-blob';
import type { ReportSink } from './ports.js';

/** A ReportSink writing block blobs into one container (created on first use). */
export function azureReports(container: ContainerClient): ReportSink {
  let created: Promise<unknown> | undefined;
  return {
    async write(name, content, contentType) {
      await (created ??= container.createIfNotExists());
      const body = Buffer.from(content, 'utf8');
      await container.getBlockBlobClient(name).upload(body, body.length, { blobHTTPHeaders: { blobContentType: contentType } });
    },
  };
}
