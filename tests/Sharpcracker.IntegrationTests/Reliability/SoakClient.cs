using System.Globalization;
using System.Net.Sockets;

namespace Sharpcracker.IntegrationTests.Reliability;

/// <summary>
/// One verifying client of a soak pool: connects, sends a random number of gets and sets (one
/// in three a set with the key's next version) on the keys it alone owns, one at a time and
/// paced, disconnects, and connects again — until stopped. Every reply goes to the checker.
/// </summary>
internal sealed class SoakClient(SoakPool pool, SoakChecker checker, int index, int keys, int pauseMs, int seed)
{
    private readonly Random _random = new(seed);
    private readonly string[] _keys = [.. Enumerable.Range(0, keys).Select(i => $"{pool.Name}:c{index.ToString(CultureInfo.InvariantCulture)}:{i.ToString(CultureInfo.InvariantCulture)}")];
    private readonly Dictionary<string, SoakKeyState> _states = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using (var client = Connect())
            {
                if (client is null)
                {
                    await Task.Delay(50, CancellationToken.None);
                    continue;
                }
                var count = _random.Next(20, 200);
                for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
                {
                    if (!await OneAsync(client))
                    {
                        break; // the connection is broken (already counted): a new one
                    }
                    await Task.Delay(pauseMs, CancellationToken.None);
                }
            }
            await Task.Delay(_random.Next(0, 30), CancellationToken.None);
        }
    }

    /// <summary>A connection to the proxy, or null (counted as unexplained: the proxy's listener never refuses).</summary>
    private ProtocolClient? Connect()
    {
        try
        {
            return new ProtocolClient(pool.Protocol, pool.Port);
        }
        catch (SocketException e)
        {
            checker.Judge(pool, "(connect)", null, -1, [], checker.Now, new Reply(ReplyKind.Error, "client: connect failed: " + e.SocketErrorCode));
            return null;
        }
    }

    /// <summary>One request and its judgement; false when the connection broke.</summary>
    private async Task<bool> OneAsync(ProtocolClient client)
    {
        var key = _keys[_random.Next(_keys.Length)];
        if (!_states.TryGetValue(key, out var state))
        {
            _states[key] = state = new SoakKeyState();
        }
        var version = -1L;
        if (_random.Next(3) == 0)
        {
            version = state.MaxSent + 1;
            state.MaxSent = version;
        }
        var owners = pool.OwnersOf(key);
        var sent = checker.Now;
        Reply reply;
        var broken = false;
        try
        {
            reply = version >= 0 ? await client.SetAsync(key, SoakChecker.Value(key, version)) : await client.GetAsync(key);
        }
        catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
        {
            reply = new Reply(ReplyKind.Error, "client: " + e.Message);
            broken = true;
        }
        // A reload may have begun while the request was in flight: both owners then count.
        var after = pool.OwnersOf(key);
        checker.Judge(pool, key, state, version, [.. owners.Union(after)], sent, reply);
        return !broken;
    }

    /// <summary>A burst: <paramref name="connections"/> clients connect at once, each gets one key nobody writes (a miss) and leaves.</summary>
    public static Task BurstAsync(SoakPool pool, SoakChecker checker, int connections, Random random)
    {
        var keys = Enumerable.Range(0, connections).Select(_ => $"{pool.Name}:burst:{random.Next(1000).ToString(CultureInfo.InvariantCulture)}").ToArray();
        return Task.WhenAll(keys.Select(async key =>
        {
            await Task.Yield();
            ProtocolClient client;
            try
            {
                client = new ProtocolClient(pool.Protocol, pool.Port);
            }
            catch (SocketException e)
            {
                checker.Judge(pool, key, null, -1, [], checker.Now, new Reply(ReplyKind.Error, "client: connect failed: " + e.SocketErrorCode));
                return;
            }
            using (client)
            {
                var owners = pool.OwnersOf(key);
                var sent = checker.Now;
                Reply reply;
                try
                {
                    reply = await client.GetAsync(key);
                }
                catch (Exception e) when (e is IOException or SocketException or TimeoutException or InvalidDataException)
                {
                    reply = new Reply(ReplyKind.Error, "client: " + e.Message);
                }
                checker.Judge(pool, key, null, -1, [.. owners.Union(pool.OwnersOf(key))], sent, reply);
            }
        }));
    }
}
