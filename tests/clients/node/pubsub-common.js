// The pub/sub check both client scripts run (node-redis-pubsub.js, ioredis-pubsub.js) through
// their own API: 20 subscriber connections on one channel, one of them also on a pattern and a
// shard channel, one publisher. Results: what each subscriber received, in order.
'use strict';

const SUBSCRIBERS = 20;
const MESSAGES = 50;

async function fanOut(api) {
  const results = { library: api.library };
  const received = [];
  const others = [];
  const subscribers = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = await api.connect();
    subscribers.push(client);
    const mine = [];
    received.push(mine);
    await api.subscribe(client, 'fanout', (channel, message) => (channel === 'fanout' ? mine : others).push(channel + ':' + message));
  }
  await api.pSubscribe(subscribers[0], 'fan*', (channel, message) => others.push('p:' + channel + ':' + message));
  await api.sSubscribe(subscribers[0], 'shard-ch', (channel, message) => others.push('s:' + channel + ':' + message));
  const publisher = await api.connect();
  results.publishReplies = [];
  for (let i = 0; i < MESSAGES; i++) results.publishReplies.push(Number(await api.publish(publisher, 'fanout', 'm' + i)));
  results.spublishReply = Number(await api.sPublish(publisher, 'shard-ch', 'sm'));
  const deadline = Date.now() + 20000;
  while (received.some((r) => r.length < MESSAGES) || others.length < MESSAGES + 1) {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const expected = Array.from({ length: MESSAGES }, (_, i) => 'fanout:m' + i);
  results.subscribers = SUBSCRIBERS;
  results.messages = MESSAGES;
  results.complete = received.filter((r) => JSON.stringify(r) === JSON.stringify(expected)).length;
  results.patternMessages = others.filter((m) => m.startsWith('p:fanout:')).length;
  results.shardMessages = others.filter((m) => m === 's:shard-ch:sm').length;
  // By name: ioredis 6 waits forever on an UNSUBSCRIBE without arguments from a client that also has patterns.
  await api.pUnsubscribe(subscribers[0], 'fan*');
  await api.sUnsubscribe(subscribers[0], 'shard-ch');
  for (const client of subscribers) await api.unsubscribe(client, 'fanout');
  // Out of subscribed mode again: an ordinary command works on a former subscriber.
  results.afterUnsubscribe = String(await subscribers[0].ping());
  for (const client of subscribers) await api.close(client);
  await api.close(publisher);
  return results;
}

module.exports = { fanOut };
