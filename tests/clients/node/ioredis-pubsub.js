// ioredis pub/sub with its defaults (protocol 3), or protocol 2 when the test passes "resp": 2: a
// fan-out of one channel to 20 subscriber connections, a pattern and a shard channel.
// Usage: node ioredis-pubsub.js '{"port":N,"resp":null|2,…}'
'use strict';
const Redis = require('ioredis');
const { options, done, fail } = require('./common');
const { fanOut } = require('./pubsub-common');

async function connect() {
  const config = {
    host: '127.0.0.1', port: options.port, lazyConnect: true, connectTimeout: 10000,
    maxRetriesPerRequest: 0, retryStrategy: () => null,
  };
  if (options.resp) config.protocol = options.resp;
  const client = new Redis(config);
  client.on('error', () => {});
  await client.connect();
  return client;
}

function listen(client, event, onMessage) {
  if (!client.listenerCount(event)) {
    client.on(event, (...args) => onMessage(args[args.length - 2], args[args.length - 1]));
  }
}

fanOut({
  library: 'ioredis ' + require('ioredis/package.json').version,
  connect,
  subscribe: async (client, channel, onMessage) => { listen(client, 'message', onMessage); await client.subscribe(channel); },
  pSubscribe: async (client, pattern, onMessage) => { listen(client, 'pmessage', onMessage); await client.psubscribe(pattern); },
  sSubscribe: async (client, channel, onMessage) => { listen(client, 'smessage', onMessage); await client.ssubscribe(channel); },
  publish: (client, channel, message) => client.publish(channel, message),
  sPublish: (client, channel, message) => client.spublish(channel, message),
  unsubscribe: (client, channel) => client.unsubscribe(channel),
  pUnsubscribe: (client, pattern) => client.punsubscribe(pattern),
  sUnsubscribe: (client, channel) => client.sunsubscribe(channel),
  close: (client) => client.quit(),
}).then(done, fail);
