using System.Text;
using Sharpcracker.Common;
using Sharpcracker.Configuration;
using Sharpcracker.Engine;
using Sharpcracker.Hosting;
using Sharpcracker.OperatorConsole;
using Sharpcracker.Routing;
using Sharpcracker.Routing.Hashing;

namespace Sharpcracker.Tests.OperatorConsole;

/// <summary>The console's pieces without a process: route explanations, the redacted config, query and flag parsing.</summary>
public sealed class ConsoleUnitTests
{
    [Fact]
    public void Explain_PicksTheServerRoutePicks_ForEveryHashAndDistribution()
    {
        ContinuumMember[] members = [new(0, "a", 1), new(2, "b", 3), new(5, "c", 1)];
        foreach (var hash in Enum.GetValues<HashKind>())
        {
            foreach (var distribution in new[] { DistributionKind.Ketama, DistributionKind.Modula })
            {
                var router = new KeyRouter(hash, new HashTag((byte)'{', (byte)'}'), distribution, members);
                for (var i = 0; i < 300; i++)
                {
                    var key = Encoding.ASCII.GetBytes(i % 5 == 0 ? $"x{{t{i}}}y" : $"key:{i}");
                    var e = router.Explain(key);
                    Assert.Equal(router.Route(key), e.ServerIndex);
                    Assert.Equal(router.HashKey(key), e.Hash);
                    if (distribution == DistributionKind.Ketama)
                    {
                        Assert.Equal(RouteStep.KetamaPoint, e.Step);
                        // The point is the first at or after the hash (or the wrap to point 0), and it belongs to the server.
                        var points = router.KetamaPoints;
                        Assert.Equal(points[(int)e.Position], e.PositionValue);
                        Assert.True(e.PositionValue >= e.Hash || (e.Position == 0 && e.Hash > points[^1]));
                        Assert.True(e.Position == 0 || points[(int)e.Position - 1] < e.Hash);
                        Assert.Equal(router.KetamaServers[(int)e.Position], e.ServerIndex);
                    }
                    else
                    {
                        Assert.Equal(RouteStep.ModulaSlot, e.Step);
                        Assert.Equal(e.Hash % 5, (uint)e.Position);
                    }
                    var hashed = key.AsSpan(e.HashedOffset, e.HashedLength);
                    Assert.Equal(i % 5 == 0 ? $"t{i}" : $"key:{i}", Encoding.ASCII.GetString(hashed));
                    Assert.Equal(i % 5 == 0, e.TagMatched);
                }
            }
        }
    }

    [Fact]
    public void ServerStates_FollowTheHealthStateMachine_ProbingWhileAnEjectedServersProbeRuns()
    {
        var health = new Sharpcracker.Engine.ServerHealth(autoEject: true, failureLimit: 2, retryTimeoutMs: 1000);
        Assert.Equal(ServerState.Up, ServerStates.Of(health, 1000));
        health.OnConnectionFailed(Sharpcracker.Common.ServerFailure.FromSocketError(System.Net.Sockets.SocketError.ConnectionRefused), Sharpcracker.Engine.ServerConnectionLoss.ConnectFailed, 1000);
        Assert.Equal(ServerState.Failing, ServerStates.Of(health, 1000));
        Assert.True(health.OnConnectionFailed(Sharpcracker.Common.ServerFailure.FromSocketError(System.Net.Sockets.SocketError.ConnectionRefused), Sharpcracker.Engine.ServerConnectionLoss.ConnectFailed, 1000));
        Assert.Equal(ServerState.Ejected, ServerStates.Of(health, 1000));
        health.SetProbing(true);
        Assert.Equal("probing", ServerStates.Name(ServerStates.Of(health, 1000)));
        health.SetProbing(false);
        Assert.True(health.OnProbeResult(null));
        Assert.Equal(ServerState.Up, ServerStates.Of(health, 1000));
    }

    [Fact]
    public void Explain_OneLiveServerAndNone()
    {
        var one = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama, [new(3, "only", 1)]);
        Assert.Equal((RouteStep.OnlyServer, 3), (one.Explain("k"u8).Step, one.Explain("k"u8).ServerIndex));
        var none = new KeyRouter(HashKind.Md5, HashTag.None, DistributionKind.Ketama, []);
        Assert.Equal((RouteStep.NoServer, -1), (none.Explain("k"u8).Step, none.Explain("k"u8).ServerIndex));
    }

    [Fact]
    public void OfflineRoute_TextNamesEveryStep()
    {
        var config = ConfigLoader.Parse("""
            p:
              listen: 127.0.0.1:1
              hash: md5
              hash_tag: "{}"
              servers:
                - 127.0.0.1:2:1 one
                - 127.0.0.1:3:1 two

            """, "t.yml").Pools[0];
        var answer = RouteLookup.Offline(config, Encoding.ASCII.GetBytes("user{42}:name"));
        var text = answer.Text();
        var hash = KeyHasher.Hash(HashKind.Md5, "42"u8);
        Assert.Contains("hash_tag \"{}\": only '42' is hashed\n", text);
        Assert.Contains($"hash: md5('42') = {hash} (0x{hash:x8})\n", text);
        Assert.Matches(@"distribution: ketama over 2 of 2 servers: continuum point \d+ of 320 \(value \d+\) is the first at or after the hash\n", text);
        Assert.EndsWith($"server: {answer.ServerName} 127.0.0.1:{(answer.ServerIndex == 0 ? 2 : 3)} (index {answer.ServerIndex})\n", text);
        Assert.DoesNotContain("ejected", text);
    }

    [Fact]
    public void ConfigView_RoundTripsAndRedacts()
    {
        var yaml = """
            "odd: name":
              listen: /tmp/sc-test.sock 0660
              redis: true
              redis_auth: "hunter2: with # specials"
              hash_tag: "::"
              servers:
                - 127.0.0.1:6379:1 n#1
                - /tmp/r.sock:2

            """;
        var config = ConfigLoader.Parse(yaml, "http://user:pa55@example.invalid/x.yml");
        var shown = ConfigView.Render(config);
        Assert.DoesNotContain("hunter2", shown);
        Assert.DoesNotContain("pa55", shown);
        Assert.Contains("http://<redacted>@example.invalid/x.yml", shown);
        var back = ConfigLoader.Parse(shown, "shown.yml").Pools.Single();
        var pool = config.Pools.Single();
        Assert.Equal(pool.Servers, back.Servers);
        Assert.Equal(pool with { RedisAuth = ConfigView.Redacted, Servers = back.Servers }, back);
    }

    [Fact]
    public void QueryParsing_DecodesKeysToBytes()
    {
        var q = ConsoleRoutes.ParseQuery("pool=a%20b&key=%FF%00x+y&key=second&flag");
        Assert.Equal("a b", Encoding.UTF8.GetString(q["pool"]));
        Assert.Equal(new byte[] { 0xff, 0x00, (byte)'x', (byte)' ', (byte)'y' }, q["key"]);
        Assert.Empty(q["flag"]);
    }

    [Fact]
    public void RouteFlags_Parse()
    {
        var o = CommandLineOptions.Parse(["--route", "-dt", "-c", "x.yml", "--pool", "alpha"]);
        Assert.Equal("-dt"u8.ToArray(), o.RouteKey);
        Assert.Equal("alpha", o.RoutePool);
        Assert.False(o.Daemonize);
        Assert.Equal(new byte[] { 0, 1, 255 }, CommandLineOptions.Parse(["--route-base64=AAH/"]).RouteKey);
        Assert.Throws<ArgumentException>(() => CommandLineOptions.Parse(["--route-base64", "!!"]));
        Assert.Null(CommandLineOptions.Parse(["-c", "x.yml"]).RouteKey);
    }
}
