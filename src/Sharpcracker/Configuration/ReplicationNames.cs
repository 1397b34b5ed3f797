namespace Sharpcracker.Configuration;

/// <summary>Replication-related pool settings, grouped so PoolConfig gains one property per concern.</summary>
internal static class ReplicationNames
{
    /// <summary>The fork's marker: a server with exactly this name is the pool's master.</summary>
    public const string MasterServerName = "master";

    public static bool TryParse(string text, out ReadPolicy policy)
    {
        switch (text)
        {
            case "master": policy = ReadPolicy.Master; return true;
            case "prefer_master": policy = ReadPolicy.PreferMaster; return true;
            case "replica": policy = ReadPolicy.Replica; return true;
            case "prefer_replica": policy = ReadPolicy.PreferReplica; return true;
            case "any": policy = ReadPolicy.Any; return true;
            default: policy = default; return false;
        }
    }

    public static string Name(ReadPolicy policy) => policy switch
    {
        ReadPolicy.Master => "master",
        ReadPolicy.PreferMaster => "prefer_master",
        ReadPolicy.Replica => "replica",
        ReadPolicy.PreferReplica => "prefer_replica",
        _ => "any",
    };
}
