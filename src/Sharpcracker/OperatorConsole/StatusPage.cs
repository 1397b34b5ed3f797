namespace Sharpcracker.OperatorConsole;

/// <summary>The status page: one HTML file with its script and style inline, shipped inside the binary as a resource.</summary>
internal static class StatusPage
{
    public const string ResourceName = "Sharpcracker.OperatorConsole.status.html";

    public static byte[] Html { get; } = Load();

    private static byte[] Load()
    {
        using var stream = typeof(StatusPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
