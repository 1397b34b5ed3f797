using Sharpcracker.Configuration;
using Sharpcracker.Protocols.Redis;

namespace Sharpcracker.Tests.Configuration;

public sealed class RefuseCommandsConfigTests
{
    private const string Path = "/etc/test/nutcracker.yml";

    private static PoolConfig Pool(string extra, bool redis = true) => Assert.Single(ConfigLoader.Parse($"""
        alpha:
          listen: 127.0.0.1:22121
          redis: {(redis ? "true" : "false")}
        {extra}
          servers:
            - 127.0.0.1:6379:1
        """, Path).Pools);

    private static string Error(string extra, bool redis = true) => Assert.Throws<ConfigException>(() => Pool(extra, redis)).Message;

    [Fact]
    public void Names_LowercasedIntoASet()
    {
        var pool = Pool("  redis_refuse_commands: [FLUSHALL, keys, Config|Set]");
        Assert.Equal(["config|set", "flushall", "keys"], pool.RedisRefuseCommands!.Order(StringComparer.Ordinal));
        Assert.Null(Pool("").RedisRefuseCommands);
    }

    [Fact]
    public void UnknownName_RefusedNamingPoolAndKey()
    {
        var message = Error("  redis_refuse_commands: [flushall, flushal]");
        Assert.Contains("pool 'alpha'", message);
        Assert.Contains("redis_refuse_commands", message);
        Assert.Contains("'flushal'", message);
        Assert.Contains("'command|count'", Error("  redis_refuse_commands: [command|count]"));
    }

    [Fact]
    public void NotAList_OrNotRedis_Refused()
    {
        Assert.Contains("must be a list", Error("  redis_refuse_commands: flushall"));
        Assert.Contains("only valid for a redis pool", Error("  redis_refuse_commands: [flushall]", redis: false));
    }

    [Fact]
    public void KnownNames_AreTheCommandTablesNames()
    {
        // The configuration layer's copy of the names cannot drift from the protocol's table.
        var table = RedisCommandTable.All.Select(c => c.Name).Where(n => !n.StartsWith("command|", StringComparison.Ordinal));
        Assert.Equal(table.Order(StringComparer.Ordinal), RedisCommandNames.All.Order(StringComparer.Ordinal));
    }
}
