using static Sharpcracker.IntegrationTests.Differential.BinaryCorpus;
using static Sharpcracker.Testing.BinaryPacket;

namespace Sharpcracker.IntegrationTests.Memcached;

public sealed class BinaryAllocationTests
{
    /// <summary>
    /// Steady-state binary forwarding allocates nothing per request: measured from outside the
    /// proxy process with its own allocation counter (memcached `stats` gc_allocated_bytes on a
    /// text connection), over pipelined quiet and loud gets, sets, counters and deletes split
    /// across two servers and ended by NOOP. Any per-request object costs at least 24 bytes.
    /// </summary>
    [Fact]
    public async Task SteadyStateBinaryTraffic_AllocatesNothingPerRequest()
    {
        using var s1 = ExternalProcess.StartMemcached();
        using var s2 = ExternalProcess.StartMemcached();
        var port = FreePort.Next();
        using var proxy = TestProxy.StartProcess($"m:\n  listen: 127.0.0.1:{port}\n  hash: md5\n  servers:\n    - 127.0.0.1:{s1.Port}:1 a\n    - 127.0.0.1:{s2.Port}:1 b\n", port, metrics: false, "-v", "4");
        using var connection = new McConnection(port);
        var packets = new List<byte[]>();
        const int Groups = 20;
        for (var i = 0; i < Groups; i++)
        {
            packets.Add(SetPacket("k" + i, "hello", 7, opcode: SetQ));
            packets.Add(Request(GetQ, "k" + i, opaque: (uint)i));
            packets.Add(Request(GetK, "k" + ((i + 3) % Groups)));
            packets.Add(Request(Incr, "n" + (i % 5), CounterExtras(1)));
            packets.Add(Request(DeleteQ, "missing" + i));
        }
        packets.Add(Request(Noop, opaque: 0xffff));
        var batch = Concat([.. packets]);
        async Task RunAsync(int rounds)
        {
            for (var r = 0; r < rounds; r++)
            {
                await connection.SendAsync(batch);
                await ReadUntilAsync(connection, Noop);
            }
        }
        await RunAsync(300); // warm-up: JIT, pools, buffers reach their steady size
        var before = await AllocatedAsync(port);
        const int Rounds = 300;
        await RunAsync(Rounds);
        var after = await AllocatedAsync(port);
        var perRequest = (after - before) / (double)(Rounds * packets.Count);
        Assert.True(perRequest < 8, $"{perRequest:F1} bytes allocated per request");
    }

    private static async Task<long> AllocatedAsync(int port)
    {
        using var stats = new McConnection(port);
        await stats.SendAsync("stats\r\n");
        while (true)
        {
            var line = await stats.ReadLineAsync();
            if (line.StartsWith("STAT gc_allocated_bytes ", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ')[2]);
            }
        }
    }
}
