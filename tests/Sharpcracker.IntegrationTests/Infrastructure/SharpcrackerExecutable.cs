using System.Diagnostics;
using System.Globalization;

namespace Sharpcracker.IntegrationTests.Infrastructure;

/// <summary>The built sharpcracker executable, for tests that run it in its own process.</summary>
public static class SharpcrackerExecutable
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "sharpcracker.dll");

    /// <summary><c>dotnet sharpcracker.dll ARGS</c>, stdout and stderr redirected.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return info;
    }

    /// <summary><c>-s PORT -a 127.0.0.1</c>: the stats port on loopback (never nutcracker's default 0.0.0.0:22222), on a free port unless given.</summary>
    public static string[] LoopbackStats(int? port = null)
        => ["-s", (port ?? FreePort.Next()).ToString(CultureInfo.InvariantCulture), "-a", "127.0.0.1"];
}
