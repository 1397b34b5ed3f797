using System.Text;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Protocols.Redis;

public sealed class RedisInfoTotalsTests
{
    [Fact]
    public void SumsBlockedClientsAndKeyspacePerDatabase()
    {
        var totals = new RedisInfoTotals();
        totals.Add("# Clients\r\nconnected_clients:3\r\nblocked_clients:2\r\n\r\n# Keyspace\r\ndb0:keys=10,expires=2,avg_ttl=1000\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n");
        totals.Add("# Clients\r\nblocked_clients:1\r\n\r\n# Keyspace\r\ndb0:keys=5,expires=2,avg_ttl=3000\r\n");
        totals.Add(""); // a server that did not answer
        Assert.Equal(2, totals.Servers);
        Assert.Equal(3, totals.BlockedClients);
        var text = new StringBuilder();
        totals.AppendClients(text);
        totals.AppendKeyspace(text);
        Assert.Equal("blocked_clients:3\r\n\r\n# Keyspace\r\ndb0:keys=15,expires=4,avg_ttl=2000\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n", text.ToString());
    }

    [Fact]
    public void NoServers_EmptyKeyspaceAsRedisServerWritesIt()
    {
        var text = new StringBuilder();
        new RedisInfoTotals().AppendKeyspace(text);
        Assert.Equal("\r\n# Keyspace\r\n", text.ToString());
    }
}
