using System.Reflection;

namespace Sharpcracker.Proxy;

/// <summary>Process-wide facts: start time, version, worker count.</summary>
internal static class ProxyProcess
{
    public static readonly DateTime StartTime = DateTime.UtcNow;

    /// <summary>Worker threads of the running proxy (the last host started; one per process outside tests).</summary>
    public static int WorkerCount { get; set; } = Engine.WorkerGroup.DefaultCount;

    public static string Version { get; } =
        typeof(ProxyProcess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
