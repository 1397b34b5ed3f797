using Sharpcracker.Configuration;
using Sharpcracker.Configuration.Routes;

namespace Sharpcracker.Tests.Configuration;

/// <summary>The <c>route:</c> key and pools without <c>listen</c> (docs/routes.md): what is read, and what is refused with which message.</summary>
public sealed class RouteConfigTests
{
    private const string Path = "/etc/test/nutcracker.yml";

    private const string Pools = """
        cache:
          servers:
            - 127.0.0.1:11211:1
        gutter:
          servers:
            - 127.0.0.1:11212:1
        sh:
          servers:
            - 127.0.0.1:11213:1

        """;

    private static ProxyConfig Parse(string route, string extra = "") => ConfigLoader.Parse(Pools + $"""
        front:
          listen: 127.0.0.1:22121
        {extra}  route:
        {string.Join("\n", route.Split('\n').Select(l => "    " + l))}
        """, Path);

    private static string Error(string route, string extra = "") => Assert.Throws<ConfigException>(() => Parse(route, extra)).Message;

    [Fact]
    public void PoolsWithoutListen_ServeRoutes_TheListenerHasNoServers()
    {
        var config = Parse("failover: [cache, gutter]");
        var front = Assert.Single(config.Pools);
        Assert.Empty(front.Servers);
        Assert.Equal(["sh", "cache", "gutter"], config.RoutePools.Select(p => p.Name));
        Assert.All(config.RoutePools, p => Assert.True(p.ServesRoutesOnly));
        var failover = Assert.IsType<FailoverRouteConfig>(front.Route);
        Assert.Equal(["cache", "gutter"], failover.Children);
        Assert.Equal(60, failover.FailoverTtl);
        Assert.Equal(FailoverErrors.All, failover.Errors);
        Assert.Contains(config.Warnings, w => w.Contains("pool 'sh' has no \"listen:\" and no route names it", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryRouteType_ReadWithItsSettings()
    {
        var route = Parse("""
            prefix:
              "a:": {replicated: [cache, gutter, sh], write_policy: majority, read_from: client, read_failover_on_miss: true}
              "b:": {shadow: sh, shadow_fraction: 0.25, primary: cache}
              "c:": {warm_up: {cold: cache, warm: gutter}, fill_ttl: 30}
              "d:": {operation: {gets: cache, updates: gutter}, default: sh}
            default: {failover: [cache, gutter], failover_ttl: 10, failover_errors: [timeout, server_error]}
            """).Pools.Single().Route;
        var prefix = Assert.IsType<PrefixRouteConfig>(route);
        Assert.Equal(["a:", "b:", "c:", "d:"], prefix.Prefixes.Select(p => p.Key));
        var replicated = Assert.IsType<ReplicatedRouteConfig>(prefix.Prefixes[0].Value);
        Assert.Equal((ReplicaWritePolicy.Majority, ReplicaReadFrom.Client, true), (replicated.WritePolicy, replicated.ReadFrom, replicated.ReadFailoverOnMiss));
        var shadow = Assert.IsType<ShadowRouteConfig>(prefix.Prefixes[1].Value);
        Assert.Equal((0.25, "sh"), (shadow.Fraction, shadow.Shadow));
        Assert.Equal(30, Assert.IsType<WarmUpRouteConfig>(prefix.Prefixes[2].Value).FillTtl);
        var operation = Assert.IsType<OperationRouteConfig>(prefix.Prefixes[3].Value);
        Assert.Null(operation.Deletes);
        var failover = Assert.IsType<FailoverRouteConfig>(prefix.Default);
        Assert.Equal((10, FailoverErrors.Timeout | FailoverErrors.ServerError), (failover.FailoverTtl, failover.Errors));
        Assert.StartsWith("prefix{\"a:\":replicated[cache,gutter,sh] write_policy=Majority read_from=Client read_failover_on_miss=True,", RouteConfigEquality.Canonical(route!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nosuch", "names pool 'nosuch', which is not in the file")]
    [InlineData("failover: [cache]", "failover needs a list of at least 2 pool names")]
    [InlineData("failover: [cache, cache]", "failover names a pool twice")]
    [InlineData("{failover: [cache, gutter], failover_errors: [boom]}", "failover_errors: 'boom' is not one of connect, timeout, ejected, server_error")]
    [InlineData("{replicated: [cache, gutter], write_policy: most}", "write_policy 'most' is not one of all, majority, first")]
    [InlineData("{shadow: sh}", "shadow needs \"primary:\"")]
    [InlineData("{shadow: sh, primary: cache, shadow_fraction: 2}", "shadow_fraction must be a number above 0 and at most 1: '2'")]
    [InlineData("{warm_up: {cold: cache}}", "warm_up needs exactly \"cold:\" and \"warm:\"")]
    [InlineData("{warm_up: {cold: cache, warm: gutter}, fill_ttl: 0}", "fill_ttl cannot be 0")]
    [InlineData("{operation: {gets: cache}}", "operation needs \"default:\"")]
    [InlineData("{failover: [cache, gutter], primary: cache}", "\"primary\" is not a setting of a failover route")]
    [InlineData("{failover: [cache, gutter], shadow: sh}", "has more than one route type: failover, shadow")]
    [InlineData("{prefix: {\"a b\": cache}}", "prefix 'a b' must be printable ASCII without spaces")]
    public void BadRoute_RefusedNamingPoolLineAndWhy(string route, string expected)
    {
        var message = Error(route);
        Assert.StartsWith($"conf: '{Path}': pool 'front': route (line ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteWithServers_OrServerKeys_OrWithoutListen_Refused()
    {
        Assert.Contains("cannot be combined with \"servers:\"", Error("cache", "  servers:\n    - 127.0.0.1:1:1\n"), StringComparison.Ordinal);
        Assert.Contains("directive \"auto_eject_hosts\" (line 12) applies to a pool with servers", Error("cache", "  auto_eject_hosts: true\n"), StringComparison.Ordinal);
        var noListen = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Pools + "front:\n  route: cache\n", Path)).Message;
        Assert.Contains("needs \"listen:\"", noListen, StringComparison.Ordinal);
        var onlyRoutePools = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Pools, Path)).Message;
        Assert.Equal($"conf: '{Path}': pool 'cache': directive \"listen:\" is missing", onlyRoutePools);
    }

    [Fact]
    public void MixedProtocols_Refused()
    {
        Assert.Contains("names pool 'cache', which speaks memcached", Error("cache", "  redis: true\n"), StringComparison.Ordinal);
        var mixed = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Pools + "rd:\n  redis: true\n  servers:\n    - 127.0.0.1:6379:1\nfront:\n  listen: 127.0.0.1:1\n  route: rd\n", Path)).Message;
        Assert.Contains("names pool 'rd', which speaks redis", mixed, StringComparison.Ordinal);
    }

    [Fact]
    public void TwemproxyFile_KeepsItsMeaning_NoRoutePools()
    {
        var config = ConfigLoader.Parse("alpha:\n  listen: 127.0.0.1:22121\n  servers:\n    - 127.0.0.1:11211:1\n", Path);
        Assert.Empty(config.RoutePools);
        Assert.Null(Assert.Single(config.Pools).Route);
        Assert.Equal($"conf: '{Path}': pool 'alpha': directive \"listen:\" is missing",
            Assert.Throws<ConfigException>(() => ConfigLoader.Parse("alpha:\n  servers:\n    - 127.0.0.1:11211:1\n", Path)).Message);
    }
}
