using Sharpcracker.Hosting;

namespace Sharpcracker;

/// <summary>The entry point (top-level statements would make a public Program class).</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => ProxyMain.RunAsync(args);
}
