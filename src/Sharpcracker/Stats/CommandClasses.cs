namespace Sharpcracker.Stats;

/// <summary>Names and count of the <see cref="CommandClass"/> values (metric labels, array sizes).</summary>
internal static class CommandClasses
{
    public const int Count = 5;

    /// <summary>Label values, indexed by <see cref="CommandClass"/>.</summary>
    public static readonly string[] Names = ["other", "retrieval", "storage", "arithmetic", "delete"];
}
