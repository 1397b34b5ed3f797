using System.Reflection;

namespace Sharpcracker.Common;

/// <summary>Process-wide facts: start time and version.</summary>
internal static class ProcessFacts
{
    public static readonly DateTime StartTime = DateTime.UtcNow;

    public static string Version { get; } =
        typeof(ProcessFacts).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
