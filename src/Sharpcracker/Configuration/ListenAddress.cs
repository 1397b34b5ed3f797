
namespace Sharpcracker.Configuration;

/// <summary>Where a pool listens: TCP host:port, or a unix socket path with optional permissions.</summary>
internal sealed record ListenAddress(string Text, string? Host, int Port, string? UnixPath, int? UnixPermissions)
{
    public bool IsUnix => UnixPath is not null;

    /// <summary>A pool without <c>listen</c> (it serves routes only): never bound.</summary>
    public static readonly ListenAddress None = new("", null, 0, null, null);
}
