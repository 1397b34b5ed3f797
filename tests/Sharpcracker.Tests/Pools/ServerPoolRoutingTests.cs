using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sharpcracker.Configuration;
using Sharpcracker.Pools;

namespace Sharpcracker.Tests.Pools;

/// <summary>Rebuilding a pool's continuum when servers leave and return (ejection), without any server running.</summary>
public sealed class ServerPoolRoutingTests
{
    private static ServerPool Pool(string distribution)
    {
        var config = ConfigLoader.Parse($"""
            p:
              listen: 127.0.0.1:1
              hash: md5
              distribution: {distribution}
              servers:
                - 127.0.0.1:2:1 a
                - 127.0.0.1:3:1 b
                - 127.0.0.1:4:1 c
            """, "t.yml");
        return new ServerPool(config.Pools[0], NullLogger.Instance);
    }

    private static int[] RouteAll(ServerPool pool)
        => Enumerable.Range(0, 500).Select(i => pool.Route(Encoding.ASCII.GetBytes("key" + i))?.Index ?? -1).ToArray();

    [Theory]
    [InlineData("ketama")]
    [InlineData("modula")]
    public void EjectedServer_GetsNoKeys_AndRestoringItRestoresPlacement(string distribution)
    {
        using var pool = Pool(distribution);
        var before = RouteAll(pool);
        Assert.Equal([0, 1, 2], before.Distinct().Order());

        pool.SetLiveServers(s => s.Name != "b");
        var ejected = RouteAll(pool);
        Assert.DoesNotContain(1, ejected);
        if (distribution == "ketama")
        {
            // Consistent hashing: only b's keys move.
            for (var i = 0; i < before.Length; i++)
            {
                if (before[i] != 1)
                {
                    Assert.Equal(before[i], ejected[i]);
                }
            }
        }

        pool.SetLiveServers(_ => true);
        Assert.Equal(before, RouteAll(pool));
    }

    [Fact]
    public void AllServersEjected_RoutesNowhere()
    {
        using var pool = Pool("ketama");
        pool.SetLiveServers(_ => false);
        Assert.All(RouteAll(pool), i => Assert.Equal(-1, i));
    }
}
