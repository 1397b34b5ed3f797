// ioredis with its defaults (protocol 3) or protocol 2: MULTI/EXEC with hash-tagged keys, a WATCH
// conflict caused by another client (exec resolves null), BLPOP woken by a producer on another
// connection. Usage: node ioredis-stateful.js '{"port":N,"resp":null|2}'
'use strict';
const Redis = require('ioredis');
const { options, done, fail } = require('./common');

async function connect() {
  const config = { host: '127.0.0.1', port: options.port, lazyConnect: true, connectTimeout: 10000, maxRetriesPerRequest: 0, retryStrategy: () => null };
  if (options.resp) config.protocol = options.resp;
  const client = new Redis(config);
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function main() {
  const client = await connect();
  const other = await connect();
  const results = { library: 'ioredis ' + require('ioredis/package.json').version };
  await client.del('{acct}:a', '{acct}:b', '{jobs}:q');
  const exec = await client.multi().set('{acct}:a', '10').incrby('{acct}:a', 5).set('{acct}:b', 'x').get('{acct}:a').exec();
  results.exec = exec.map(([err, value]) => (err ? 'ERR ' + err.message : value));
  await client.watch('{acct}:a');
  await other.set('{acct}:a', '100');
  const conflicted = await client.multi().incrby('{acct}:a', 1).exec();
  results.watchConflict = conflicted === null ? 'null' : JSON.stringify(conflicted);
  results.afterConflict = await client.get('{acct}:a');
  const popped = client.blpop('{jobs}:q', 0);
  await new Promise((r) => setTimeout(r, 200));
  await other.rpush('{jobs}:q', 'job-1');
  results.blpop = await popped;
  await client.quit();
  await other.quit();
  done(results);
}

main().catch(fail);
