using System.Reflection;

namespace Sharpcracker.Proxy;

/// <summary>Process-wide facts: start time and version.</summary>
internal static class ProxyProcess
{
    public static readonly DateTime StartTime = DateTime.UtcNow;

    public static string Version { get; } =
        typeof(ProxyProcess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
