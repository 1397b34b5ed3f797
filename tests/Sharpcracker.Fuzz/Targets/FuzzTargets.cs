namespace Sharpcracker.Fuzz;

/// <summary>Every fuzz target, by name (the folder names under tests/fuzz-corpus).</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new McTextTarget(),
        new McMetaTarget(),
        new McBinaryTarget(),
        new RespRequestTarget(),
        new McReplyTarget(),
        new McBinaryReplyTarget(),
        new RespReplyTarget(),
        new ConfigTarget(),
        new VBucketJsonTarget(),
        new AuthFileTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
