// A real job queue through the proxy: BullMQ (over ioredis) with a hash-tagged prefix, so every key
// of the queue is on one server. Jobs are added, a worker completes every one, and QueueEvents
// (XREAD BLOCK) sees them complete. Usage: node bullmq.js '{"port":N,"jobs":N}'
'use strict';
const { Queue, Worker, QueueEvents } = require('bullmq');
const { options, done, fail } = require('./common');

async function main() {
  const connection = { host: '127.0.0.1', port: options.port, maxRetriesPerRequest: null };
  const prefix = '{bullmq-test}';
  const jobs = options.jobs || 200;
  const queue = new Queue('work', { connection, prefix });
  const events = new QueueEvents('work', { connection, prefix });
  await events.waitUntilReady();
  let completedEvents = 0;
  events.on('completed', () => { completedEvents++; });
  const processed = new Set();
  const worker = new Worker('work', async (job) => { processed.add(job.data.n); return job.data.n * 2; }, { connection, prefix, concurrency: 8 });
  worker.on('error', () => {});
  await queue.addBulk(Array.from({ length: jobs }, (_, n) => ({ name: 'job', data: { n } })));
  const deadline = Date.now() + 50000;
  while ((processed.size < jobs || completedEvents < jobs) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');
  await worker.close();
  await events.close();
  await queue.close();
  done({ library: 'bullmq ' + require('bullmq/package.json').version, jobs, processed: processed.size, completedEvents, counts });
}

main().catch(fail);
