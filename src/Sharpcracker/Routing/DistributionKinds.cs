namespace Sharpcracker.Routing;

/// <summary>Config names of <see cref="DistributionKind"/>.</summary>
internal static class DistributionKinds
{
    /// <summary>Parses <c>ketama</c>, <c>modula</c>, <c>random</c>, <c>vbucket</c> or <c>redis_cluster</c> (exact, case-sensitive like twemproxy).</summary>
    public static bool TryParse(string name, out DistributionKind kind)
    {
        switch (name)
        {
            case "ketama": kind = DistributionKind.Ketama; return true;
            case "modula": kind = DistributionKind.Modula; return true;
            case "random": kind = DistributionKind.Random; return true;
            case "vbucket": kind = DistributionKind.VBucket; return true;
            case "redis_cluster": kind = DistributionKind.RedisCluster; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>The config name of <paramref name="kind"/>; inverse of <see cref="TryParse"/>.</summary>
    public static string Name(DistributionKind kind) => kind switch
    {
        DistributionKind.Ketama => "ketama",
        DistributionKind.Modula => "modula",
        DistributionKind.Random => "random",
        DistributionKind.VBucket => "vbucket",
        DistributionKind.RedisCluster => "redis_cluster",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown distribution kind"),
    };
}
