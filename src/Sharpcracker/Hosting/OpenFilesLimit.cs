using System.Runtime.InteropServices;
using Sharpcracker.Common.Interop;

namespace Sharpcracker.Hosting;

/// <summary>
/// The fork's <c>global: max_openfiles</c>: raises the process's descriptor limit (RLIMIT_NOFILE)
/// to the value, as far as the hard limit allows (raising that needs privileges the proxy does not
/// take). The fork sets it per worker process; here one process holds every worker's descriptors.
/// </summary>
internal static class OpenFilesLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Null when applied; otherwise why not (for one warning line).</summary>
    public static string? Apply(int wanted)
    {
        if (!OperatingSystem.IsLinux() || Libc.getrlimit(RlimitNofile, out var limit) != 0)
        {
            return "global: \"max_openfiles\" not applied: cannot read the descriptor limit";
        }
        var target = (ulong)wanted;
        string? note = null;
        if (target > limit.Max)
        {
            note = $"global: \"max_openfiles\" {wanted} is above the hard limit {limit.Max}; using {limit.Max}";
            target = limit.Max;
        }
        if (target == limit.Current)
        {
            return note;
        }
        var next = new Libc.Rlimit { Current = target, Max = limit.Max };
        return Libc.setrlimit(RlimitNofile, next) == 0 ? note : $"global: \"max_openfiles\" not applied: setrlimit failed (errno {Marshal.GetLastPInvokeError()})";
    }
}
