namespace Sharpcracker.RouteCheck;

/// <summary>The configuration texts the phases run (the same text for twemproxy and sharpcracker where both run it).</summary>
internal static class Yaml
{
    /// <summary>One pool <paramref name="name"/>; <paramref name="listen"/> 0 = no listener (a pool that serves routes only).</summary>
    public static string Pool(string name, int listen, IEnumerable<int> servers, params string[] keys)
    {
        var text = $"{name}:\n";
        if (listen != 0)
        {
            text += $"  listen: 127.0.0.1:{listen}\n";
        }
        text += string.Concat(keys.Select(k => $"  {k}\n"));
        text += "  servers:\n" + string.Concat(servers.Select(p => $"    - 127.0.0.1:{p}:1\n"));
        return text;
    }

    /// <summary>A listener <paramref name="name"/> on <paramref name="listen"/> whose route is <paramref name="routeLines"/> (indented under route:).</summary>
    public static string Front(string name, int listen, params string[] routeLines)
        => $"{name}:\n  listen: 127.0.0.1:{listen}\n  route:\n" + string.Concat(routeLines.Select(l => $"    {l}\n"));

    /// <summary>A listener whose route is one pool (the route layer with nothing to decide).</summary>
    public static string FrontToPool(string name, int listen, string pool)
        => $"{name}:\n  listen: 127.0.0.1:{listen}\n  route: {pool}\n";

    public static readonly string[] Ketama = ["hash: fnv1a_64", "distribution: ketama", "timeout: 400"];

    public static readonly string[] EjectRehash = [.. Ketama, "auto_eject_hosts: true", "server_failure_limit: 1", "server_retry_timeout: 2000"];
}
