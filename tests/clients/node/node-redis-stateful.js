// node-redis with its defaults (RESP3) or RESP2: MULTI/EXEC with hash-tagged keys, a WATCH
// conflict caused by another client (exec rejects with WatchError), BLPOP woken by a producer on
// another connection. Usage: node node-redis-stateful.js '{"port":N,"resp":null|2}'
'use strict';
const { createClient, WatchError } = require('redis');
const { options, done, fail } = require('./common');

function connect() {
  const config = { socket: { host: '127.0.0.1', port: options.port, reconnectStrategy: false, connectTimeout: 10000 } };
  if (options.resp) config.RESP = options.resp;
  const client = createClient(config);
  client.on('error', () => {});
  return client.connect();
}

async function main() {
  const client = await connect();
  const other = await connect();
  const results = { library: 'node-redis ' + require('redis/package.json').version };
  await client.del(['{acct}:a', '{acct}:b', '{jobs}:q']);
  results.exec = await client.multi().set('{acct}:a', '10').incrBy('{acct}:a', 5).set('{acct}:b', 'x').get('{acct}:a').exec();
  await client.watch('{acct}:a');
  await other.set('{acct}:a', '100');
  try {
    await client.multi().incrBy('{acct}:a', 1).exec();
    results.watchConflict = 'committed';
  } catch (e) {
    results.watchConflict = e instanceof WatchError ? 'WatchError' : String(e);
  }
  results.afterConflict = await client.get('{acct}:a');
  // A blocking pop on its own connection (node-redis serialises a client's commands), woken by the producer.
  const consumer = await connect();
  const popped = consumer.blPop('{jobs}:q', 0);
  await new Promise((r) => setTimeout(r, 200));
  await other.rPush('{jobs}:q', 'job-1');
  results.blpop = await popped;
  for (const c of [client, other, consumer]) await c.quit();
  done(results);
}

main().catch(fail);
