// Entry point of the worker thread that maps, validates and serializes for scanExtract (see scan-channel.ts).
import { parentPort } from 'node:worker_threads';
import { serveScan } from './scan-channel.js';

if (parentPort === null) throw new Error('scan-worker.js runs as a worker thread only');
serveScan(parentPort);
